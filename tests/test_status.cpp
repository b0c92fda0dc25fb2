#include <gtest/gtest.h>

#include "common/status.h"

TEST(Status, EveryCodeHasAMessage)
{
    for (int s = 0; s < PS_STATUS_COUNT; s++)
        EXPECT_STRNE(ps_status_message(static_cast<ps_status>(s)), "unknown status") << s;
    EXPECT_STREQ(ps_status_message(static_cast<ps_status>(999)), "unknown status");
}

TEST(Status, ExitCodes)
{
    EXPECT_EQ(ps_status_exit_code(PS_OK), 0);
    EXPECT_EQ(ps_status_exit_code(PS_ERR_IO), 1);
    EXPECT_EQ(ps_status_exit_code(PS_ERR_NOMEM), 1);
    EXPECT_EQ(ps_status_exit_code(PS_ERR_RANGE), 2);
    EXPECT_EQ(ps_status_exit_code(PS_ERR_FORMAT), 2);
    EXPECT_EQ(ps_status_exit_code(PS_ERR_VERSION), 2);
}

TEST(Status, ErrorSetAndPrefix)
{
    ps_error err{};
    EXPECT_EQ(ps_error_set(&err, PS_ERR_RANGE, "%d is above the maximum %d", 40, 16), PS_ERR_RANGE);
    ps_error_prefix(&err, "%s", "tiles.adc.bits");
    EXPECT_STREQ(err.message, "tiles.adc.bits: 40 is above the maximum 16");
    EXPECT_EQ(err.status, PS_ERR_RANGE);
    EXPECT_EQ(ps_error_set(nullptr, PS_ERR_IO, "ignored"), PS_ERR_IO);
}
