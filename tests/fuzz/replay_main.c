/* Runs a fuzz target's LLVMFuzzerTestOneInput once on each file given (or
 * each file in each directory given), without libFuzzer: the seed corpora
 * and the inputs of fixed crashes replayed as ordinary tests, by any
 * compiler and under the sanitizer build. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    uint8_t *data = NULL;
    size_t size = 0;
    ps_error err = {0};
    if (ps_read_file(path, &data, &size, &err) != PS_OK) {
        fprintf(stderr, "%s\n", err.message);
        exit(1);
    }
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return 1;
}


int main(int argc, char **argv)
{
    int replayed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "%s: no such file or directory\n", argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            replayed += replay_file(argv[i]);
            continue;
        }
        struct dirent **names = NULL;
        int n = scandir(argv[i], &names, NULL, alphasort);
        for (int k = 0; k < n; k++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], names[k]->d_name);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
                replayed += replay_file(path);
            free(names[k]);
        }
        free(names);
    }
    printf("replayed %d inputs\n", replayed);
    return replayed > 0 ? 0 : 1;
}
