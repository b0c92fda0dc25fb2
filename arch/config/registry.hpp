// Every parameter table this build knows: the list `primesim params` prints
// and the tests check. A plain NULL-terminated array; add a model's table here.
#pragma once

#include "common/params.h"

namespace primesim {

extern const ps_param_table *const param_tables[];

// The table named name, or nullptr.
const ps_param_table *find_param_table(const char *name);

} // namespace primesim
