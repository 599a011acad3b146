/* Quicksort (median of three, insertion sort below 16) of 1M ints filled by an LCG. */
#include "bench.h"
#define N (1 << 20)
static i32 data[N];
static void insertion(i32 *a, i32 lo, i32 hi) {
    for (i32 i = lo + 1; i <= hi; i++) {
        i32 v = a[i], j = i - 1;
        while (j >= lo && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}
static void quicksort(i32 *a, i32 lo, i32 hi) {
    while (hi - lo > 16) {
        i32 mid = lo + (hi - lo) / 2;
        i32 x = a[lo], y = a[mid], z = a[hi];
        i32 pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        i32 i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) { i32 t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        /* recurse into the smaller half, loop on the larger: bounded stack depth */
        if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; } else { quicksort(a, i, hi); hi = j; }
    }
    insertion(a, lo, hi);
}
EXPORT i64 run(i32 units) {
    u64 check = 0;
    for (i32 u = 0; u < units; u++) {
        u32 s = 12345u + (u32)u;
        for (i32 i = 0; i < N; i++) { s = s * 1664525u + 1013904223u; data[i] = (i32)(s >> 1); }
        quicksort(data, 0, N - 1);
        for (i32 i = 0; i < N; i += 4096) check = check * 31 + (u32)data[i];
        for (i32 i = 1; i < N; i++) if (data[i - 1] > data[i]) return -1;
    }
    return (i64)check;
}
