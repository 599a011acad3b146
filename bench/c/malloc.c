/* Allocation-heavy: binary trees plus random-size churn through a segregated free-list allocator
 * (16-byte size classes up to 1 KiB, bump allocation for fresh blocks) in a 48 MiB arena.
 * The allocator lives in the program because the modules are freestanding (no wasi-libc). */
#include "bench.h"
#define ARENA (48u << 20)
#define CLASSES 64
static unsigned char arena[ARENA] __attribute__((aligned(16)));
static u32 bump;
static void *free_list[CLASSES + 1];
typedef struct { u32 cls; u32 pad[3]; } header; /* 16 bytes keeps payloads 16-byte aligned */

static void *alloc(u32 size) {
    u32 cls = (size + 15) >> 4;
    if (cls == 0) cls = 1;
    if (cls > CLASSES) return 0;
    void *p = free_list[cls];
    if (p) { free_list[cls] = *(void **)p; return p; }
    u32 need = sizeof(header) + (cls << 4);
    if (bump + need > ARENA) return 0;
    header *h = (header *)(arena + bump);
    bump += need;
    h->cls = cls;
    return h + 1;
}
static void release(void *p) {
    header *h = (header *)p - 1;
    *(void **)p = free_list[h->cls];
    free_list[h->cls] = p;
}

typedef struct node { struct node *left, *right; i32 value; } node;
static node *tree(i32 depth, i32 value) {
    /* payload sizes vary with depth so several size classes are in use */
    node *n = alloc(sizeof(node) + (u32)(depth & 3) * 24);
    if (!n) return 0;
    n->value = value;
    n->left = depth > 0 ? tree(depth - 1, 2 * value) : 0;
    n->right = depth > 0 ? tree(depth - 1, 2 * value + 1) : 0;
    return n;
}
static i64 check(node *n) { return n ? n->value + check(n->left) - check(n->right) : 0; }
static void drop(node *n) { if (n) { drop(n->left); drop(n->right); release(n); } }

#define LIVE 4096
static unsigned char *live[LIVE];
static u32 live_size[LIVE];

EXPORT i64 run(i32 units) {
    bump = 0;
    for (int c = 0; c <= CLASSES; c++) free_list[c] = 0;
    for (int i = 0; i < LIVE; i++) live[i] = 0;
    i64 sum = 0;
    u32 s = 777;
    for (i32 u = 0; u < units; u++) {
        node *t = tree(16, 1);
        if (!t) return -1;
        sum += check(t);
        drop(t);
        for (int k = 0; k < 200000; k++) {
            s = s * 1664525u + 1013904223u;
            u32 slot = (s >> 8) % LIVE;
            if (live[slot]) { sum += live[slot][live_size[slot] - 1]; release(live[slot]); }
            u32 size = 1 + (s >> 22) % 1000;
            unsigned char *p = alloc(size);
            if (!p) return -2;
            for (u32 b = 0; b < size; b += 64) p[b] = (unsigned char)(b + k);
            p[size - 1] = (unsigned char)k;
            live[slot] = p;
            live_size[slot] = size;
        }
    }
    return sum;
}
