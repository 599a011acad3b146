/* Recursive fib: call overhead, a compare and two adds per call. */
#include "bench.h"
static i32 fib(i32 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
EXPORT i64 run(i32 units) {
    i64 sum = 0;
    /* the argument alternates so no engine can hoist one call out of the loop */
    for (i32 i = 0; i < units; i++) sum += fib(27 + (i & 1));
    return sum;
}
