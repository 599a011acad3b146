/* Native driver: prints run(units) so the harness can check it against the Wasm engines. */
#include <stdio.h>
#include <stdlib.h>
long long run(int units);
int main(int argc, char **argv) {
    int units = argc > 1 ? atoi(argv[1]) : 1;
    printf("%lld\n", run(units));
    return 0;
}
