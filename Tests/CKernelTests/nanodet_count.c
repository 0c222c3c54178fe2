// One whole inference of an ncnn .param graph (NanoDet-m: ../shared/peers/ncnn/nanodet_m.param)
// through exactly the C entry points that WayCueNN's GraphRunner calls for each op on Linux
// arm64, in graph order, with the same shapes, kernel choices and run-time int8 level, so that
// qemu-aarch64 can count the executed instructions of an inference (scripts/arm-kernels-test
// --count-inference). Swift cannot be cross-built here, so this file mirrors, op for op:
//   NCNNParamImporter (layer -> op, activation codes, pads, Interp sizes),
//   Graph.optimized (a Concat whose one consumer is a ShuffleChannel becomes one concat+shuffle),
//   GraphRunner.execute (Split, Crop, Slice, Reshape, Noop: views, no work),
//   Conv2D.path and Conv2D.forward with FP32Kernels.gemm = .packed (Linux arm64):
//     1x1 -> wc_mt_sgemm_packed on weights packed once (activation codes 0-3 fused, others by
//     wc_mt_bias_act), depthwise 3x3/5x5 -> wc_mt_dwconv, dense k<=7 with C*k*k <= 64 ->
//     wc_mt_conv_direct; im2col convolutions are not modelled (an error: NanoDet-m has none),
//   Conv2D.forwardInt8 (int8 convolutions: wc_qgemm_pack_x then wc_mt_qgemm at
//     wc_cpu_int8_level(), the level Int8Kernels.level defaults to),
//   calibrateInt8's choice (ungrouped convolutions except the first one and those with no
//     convolution downstream),
//   Ops.pool (max, stride <= 2: wc_mt_maxpool), Ops.resize (wc_mt_resize on tables built once,
//   as Ops.ResizeTable builds them), Ops.binary (wc_mt_binary), Ops.activation (wc_mt_activation),
//   Ops.concatShuffle / concat / shuffle (wc_mt_concat_shuffle), Ops.transpose (wc_mt_transpose).
// All on a 1-thread wc_pool, as `GraphRunner(threads: 1)`. Weights and input are random (counts
// do not depend on values). Setup (parsing, weight packing and quantization, buffers, resize
// tables) happens before the first mark; the engine does it once at load.
//
// Usage: nanodet-count PARAM fp32|int8 [RUNS] [neon|dotprod|i8mm]
// (the int8 level defaults to wc_cpu_int8_level(), the engine's default; naming one is what
// setting Int8Kernels.level does; a level this CPU lacks is refused)
// Prints "step I OP NAME IN -> OUT MACS" for each executed step, then calls the empty function
// wc_count_mark() before the first step and after every step, RUNS times (default 2), with two
// back-to-back marks first (their difference is the cost of one mark, subtracted per step). The
// insn_count_plugin.so (marker=address of wc_count_mark) records the count at each mark.
#include "CWayCueKernels.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) void wc_count_mark(void) { __asm__ volatile("" ::: "memory"); }

enum { MAXB = 1024, MAXS = 512, MAXP = 40, MAXV = 16 };
typedef struct { char name[96]; float *data; long c, h, w; } Blob;
static Blob blobs[MAXB];
static int nblobs;

static int blob_find(const char *name) {
    for (int i = 0; i < nblobs; i++) if (strcmp(blobs[i].name, name) == 0) return i;
    return -1;
}
static int blob_new(const char *name, float *data, long c, long h, long w) {
    if (nblobs == MAXB || blob_find(name) >= 0) { fprintf(stderr, "blob %s: too many or defined twice\n", name); exit(1); }
    Blob *b = &blobs[nblobs];
    snprintf(b->name, sizeof b->name, "%s", name);
    b->c = c; b->h = h; b->w = w;
    b->data = data ? data : aligned_alloc(64, ((size_t)(c * h * w) * 4 + 63) / 64 * 64 + 64);
    return nblobs++;
}

enum { OP_CONV1X1, OP_CONV1X1_Q8, OP_DIRECT, OP_DW, OP_MAXPOOL, OP_CAT, OP_RESIZE, OP_BINARY, OP_ACT, OP_TRANSPOSE };
static const char *opName[] = {"conv1x1", "conv1x1-int8", "conv-direct", "conv-dw", "maxpool", "concat-shuffle",
                               "resize", "binary", "activation", "transpose"};
typedef struct {
    int op; char name[96]; int in[MAXV], nin, out;
    long k, stride, pt, pl, pb, pr, groups, cout; int act; float a0, a1;
    float *w, *bias, *packedA; long macs;
    int8_t *qw; long Kp; int32_t *comp; float *qscale, qinv;
    int32_t *rx0, *rx1, *ry0, *ry1; float *rfx, *rfy;
    int binop, shuffle;
} Step;
static Step steps[MAXS];
static int nsteps;

// Layer lines, kept until all are read (the int8 choice and the concat fusion look ahead).
typedef struct {
    char type[48], name[96]; char ins[MAXV][96], outs[MAXV][96]; int nin, nout;
    int has[MAXP]; float v[MAXP][MAXV]; int nv[MAXP];
} Layer;
static Layer layers[MAXS];
static int nlayers;

static long pint(const Layer *l, int k, long d) { return l->has[k] && l->nv[k] ? (long)l->v[k][0] : d; }
static float pfloat(const Layer *l, int k, float d) { return l->has[k] && l->nv[k] ? l->v[k][0] : d; }

static unsigned long long rng = 88172645463325252ull;
static float frand(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (float)(rng >> 40) / 16777216.f - 0.5f; }
static float *rand_floats(long n) {
    float *p = aligned_alloc(64, ((size_t)n * 4 + 63) / 64 * 64 + 64);
    for (long i = 0; i < n; i++) p[i] = frand();
    return p;
}

static void parse(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(1); }
    char line[16384];
    int ln = 0;
    while (fgets(line, sizeof line, f)) {
        if (++ln <= 2) continue;
        char *tok[256]; int nt = 0;
        for (char *t = strtok(line, " \t\r\n"); t && nt < 256; t = strtok(NULL, " \t\r\n")) tok[nt++] = t;
        if (nt < 4) continue;
        Layer *l = &layers[nlayers++];
        memset(l, 0, sizeof *l);
        snprintf(l->type, sizeof l->type, "%s", tok[0]);
        snprintf(l->name, sizeof l->name, "%s", tok[1]);
        l->nin = atoi(tok[2]); l->nout = atoi(tok[3]);
        if (l->nin > MAXV || l->nout > MAXV) { fprintf(stderr, "line %d: too many blobs\n", ln); exit(1); }
        for (int i = 0; i < l->nin; i++) snprintf(l->ins[i], 96, "%s", tok[4 + i]);
        for (int i = 0; i < l->nout; i++) snprintf(l->outs[i], 96, "%s", tok[4 + l->nin + i]);
        for (int t = 4 + l->nin + l->nout; t < nt; t++) {
            char *eq = strchr(tok[t], '=');
            if (!eq) continue;
            *eq = 0;
            int key = atoi(tok[t]);
            int array = key <= -23300;
            if (array) key = -key - 23300;
            if (key < 0 || key >= MAXP) continue;
            l->has[key] = 1;
            int n = 0, skip = array;
            for (char *v = strtok(eq + 1, ","); v; v = strtok(NULL, ",")) {
                if (skip) { skip = 0; continue; }
                if (n < MAXV) l->v[key][n++] = strtof(v, NULL);
            }
            l->nv[key] = n;
            // strtok state was reused: continue from the next token (tokens are already split)
        }
    }
    fclose(f);
}

static int consumers(const char *blob) {
    int n = 0;
    for (int i = 0; i < nlayers; i++) for (int j = 0; j < layers[i].nin; j++) n += strcmp(layers[i].ins[j], blob) == 0;
    return n;
}

// calibrateInt8: does a convolution run downstream of this layer's output blobs?
static int feeds_conv(int li) {
    static signed char memo[MAXS];
    if (memo[li]) return memo[li] > 0;
    int r = 0;
    for (int o = 0; o < layers[li].nout && !r; o++)
        for (int i = li + 1; i < nlayers && !r; i++)
            for (int j = 0; j < layers[i].nin && !r; j++)
                if (strcmp(layers[i].ins[j], layers[li].outs[o]) == 0)
                    r = strstr(layers[i].type, "Convolution") != NULL || feeds_conv(i);
    memo[li] = r ? 1 : -1;
    return r;
}

static void act_code(const Layer *l, int *act, float *a0, float *a1) {
    long t = pint(l, 9, 0);
    float p0 = l->has[10] && l->nv[10] > 0 ? l->v[10][0] : 0, p1 = l->has[10] && l->nv[10] > 1 ? l->v[10][1] : 0;
    *a0 = 0; *a1 = 0;
    switch (t) {
    case 1: *act = 1; break;
    case 2: *act = 2; *a0 = p0; break;
    case 3: if (l->nv[10] >= 2 && p0 == 0 && p1 == 6) { *act = 3; *a1 = 6; } else *act = 1; break;
    case 4: *act = 4; break;
    case 6: *act = 6; break;
    default: *act = 0;
    }
}

static Step *add_step(int op, const char *name) {
    if (nsteps == MAXS) { fprintf(stderr, "too many steps\n"); exit(1); }
    Step *s = &steps[nsteps++];
    memset(s, 0, sizeof *s);
    s->op = op;
    snprintf(s->name, sizeof s->name, "%s", name);
    return s;
}

static int input_blob(const Layer *l, int i) {
    int b = blob_find(l->ins[i]);
    if (b < 0) { fprintf(stderr, "%s: unknown blob %s\n", l->name, l->ins[i]); exit(1); }
    return b;
}

static void resize_axis(long n, long m, int bilinear, int32_t **a, int32_t **b, float **fr) {
    *a = malloc(4 * (size_t)m); *b = malloc(4 * (size_t)m); *fr = malloc(4 * (size_t)m);
    float s = (float)n / (float)m;
    for (long o = 0; o < m; o++) {
        if (!bilinear) {
            long i = (long)((float)o * s); if (i > n - 1) i = n - 1;
            (*a)[o] = (*b)[o] = (int32_t)i; (*fr)[o] = 0;
        } else {
            float p = ((float)o + 0.5f) * s - 0.5f; if (p < 0) p = 0;
            long i0 = (long)p; if (i0 > n - 1) i0 = n - 1;
            (*a)[o] = (int32_t)i0; (*b)[o] = (int32_t)(i0 + 1 < n - 1 ? i0 + 1 : n - 1); (*fr)[o] = p - (float)i0;
        }
    }
}

static void build(int int8) {
    int skip[MAXS] = {0};
    for (int li = 0; li < nlayers; li++) {
        if (skip[li]) continue;
        const Layer *l = &layers[li];
        const char *t = l->type;
        if (!strcmp(t, "Input")) {
            blob_new(l->outs[0], rand_floats(pint(l, 2, 0) * pint(l, 1, 0) * pint(l, 0, 0)), pint(l, 2, 0), pint(l, 1, 0), pint(l, 0, 0));
        } else if (!strcmp(t, "Convolution") || !strcmp(t, "ConvolutionDepthWise")) {
            int x = input_blob(l, 0);
            Blob in = blobs[x];
            long kw = pint(l, 1, 0), kh = pint(l, 11, kw), dw = pint(l, 2, 1), dh = pint(l, 12, dw);
            long sw = pint(l, 3, 1), sh = pint(l, 13, sw), pl = pint(l, 4, 0), pr = pint(l, 15, pl);
            long pt = pint(l, 14, pl), pb = pint(l, 16, pt), co = pint(l, 0, 0);
            long g = !strcmp(t, "ConvolutionDepthWise") ? pint(l, 7, 1) : 1;
            long ho = (in.h + pt + pb - dh * (kh - 1) - 1) / sh + 1, wo = (in.w + pl + pr - dw * (kw - 1) - 1) / sw + 1;
            int act; float a0, a1;
            act_code(l, &act, &a0, &a1);
            long kg = in.c / g * kh * kw;
            int pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && g == 1 && pt == 0 && pl == 0 && pb == 0 && pr == 0;
            int depthwise = g == in.c && g == co && g > 1 && kh == kw && (kh == 3 || kh == 5) && dh == 1 && dw == 1 && sh == sw && (sh == 1 || sh == 2);
            int direct = g == 1 && kh == kw && kh <= 7 && dh == 1 && dw == 1 && sh == sw && (sh == 1 || sh == 2) && in.c * kh * kw <= 64;
            int q8 = int8 && pointwise && blob_find(l->ins[0]) != 0 && feeds_conv(li);
            int op = pointwise ? (q8 ? OP_CONV1X1_Q8 : OP_CONV1X1) : depthwise ? OP_DW : direct ? OP_DIRECT : -1;
            if (op < 0) { fprintf(stderr, "%s: im2col convolution, not modelled\n", l->name); exit(1); }
            if (int8 && g == 1 && !pointwise && !direct) { fprintf(stderr, "%s: int8 im2col not modelled\n", l->name); exit(1); }
            Step *s = add_step(op, l->outs[0]);
            s->in[0] = x; s->nin = 1;
            s->k = kh; s->stride = sh; s->pt = pt; s->pl = pl; s->pb = pb; s->pr = pr; s->groups = g; s->cout = co;
            s->act = act; s->a0 = a0; s->a1 = a1;
            s->w = rand_floats(co * kg); s->bias = rand_floats(co);
            s->macs = co * ho * wo * kg;
            if (op == OP_CONV1X1) {
                s->packedA = aligned_alloc(64, (wc_sgemm_packed_a_size(co, kg) * 4 + 63) / 64 * 64);
                wc_sgemm_pack_a(s->w, co, kg, kg, s->packedA);
            } else if (op == OP_CONV1X1_Q8) {
                s->Kp = (kg + 3) / 4 * 4;
                s->qw = calloc((size_t)(co * s->Kp), 1); s->comp = calloc((size_t)co, 4); s->qscale = malloc(4 * (size_t)co);
                float inScale = 4.f / 127.f;
                for (long o = 0; o < co; o++) {
                    int32_t sum = 0;
                    for (long i = 0; i < kg; i++) { int8_t q = (int8_t)(lrintf(s->w[o * kg + i] * 254.f)); s->qw[o * s->Kp + i] = q; sum += q; }
                    s->comp[o] = 128 * sum; s->qscale[o] = inScale / 254.f;
                }
                s->qinv = 1.f / inScale;
            }
            s->out = blob_new(l->outs[0], NULL, co, ho, wo);
        } else if (!strcmp(t, "Pooling")) {
            int x = input_blob(l, 0);
            Blob in = blobs[x];
            long k = pint(l, 1, 0), st = pint(l, 2, 1), pl = pint(l, 3, 0), pr = pint(l, 14, pl), pt = pint(l, 13, pl), pb = pint(l, 15, pt);
            if (pint(l, 0, 0) != 0 || pint(l, 4, 0) != 0 || st > 2) { fprintf(stderr, "%s: only max pooling, stride <= 2, modelled\n", l->name); exit(1); }
            Step *s = add_step(OP_MAXPOOL, l->outs[0]);
            s->in[0] = x; s->nin = 1; s->k = k; s->stride = st; s->pt = pt; s->pl = pl; s->pb = pb; s->pr = pr;
            s->out = blob_new(l->outs[0], NULL, in.c, (in.h + pt + pb - k) / st + 1, (in.w + pl + pr - k) / st + 1);
        } else if (!strcmp(t, "Split")) {
            int x = input_blob(l, 0);
            for (int o = 0; o < l->nout; o++) blob_new(l->outs[o], blobs[x].data, blobs[x].c, blobs[x].h, blobs[x].w);
        } else if (!strcmp(t, "Crop")) {
            int x = input_blob(l, 0);
            long st = (long)l->v[9][0], e = (long)l->v[10][0];
            if (e > blobs[x].c) e = blobs[x].c;
            blob_new(l->outs[0], blobs[x].data + st * blobs[x].h * blobs[x].w, e - st, blobs[x].h, blobs[x].w);
        } else if (!strcmp(t, "Slice")) {
            int x = input_blob(l, 0);
            long start = 0;
            for (int o = 0; o < l->nout; o++) {
                long n = (long)l->v[0][o];
                if (n == -233) n = (blobs[x].c - start) / (l->nout - o);
                blob_new(l->outs[o], blobs[x].data + start * blobs[x].h * blobs[x].w, n, blobs[x].h, blobs[x].w);
                start += n;
            }
        } else if (!strcmp(t, "Reshape")) {
            int x = input_blob(l, 0);
            long d[3] = {pint(l, 0, -233), pint(l, 1, -233), pint(l, 2, -233)}, dims[3]; int nd = 0;
            for (int i = 0; i < 3; i++) if (d[i] != -233) dims[nd++] = d[i];
            long count = blobs[x].c * blobs[x].h * blobs[x].w, known = 1; int neg = -1;
            for (int i = 0; i < nd; i++) { if (dims[i] == -1) neg = i; else known *= dims[i]; }
            if (neg >= 0) dims[neg] = count / known;
            long c = nd == 3 ? dims[2] : 1, h = nd >= 2 ? dims[1] : 1, w = dims[0];
            blob_new(l->outs[0], blobs[x].data, c, h, w);
        } else if (!strcmp(t, "Concat") || !strcmp(t, "ShuffleChannel")) {
            long groups = 1;
            const char *outName = l->outs[0];
            if (!strcmp(t, "ShuffleChannel")) groups = pint(l, 0, 1);
            else if (consumers(l->outs[0]) == 1) {
                int same = 1;
                for (int i = 1; i < l->nin; i++) same &= blobs[input_blob(l, i)].c == blobs[input_blob(l, 0)].c;
                for (int j = li + 1; j < nlayers && same && l->nin > 1; j++) {
                    if (layers[j].nin < 1 || strcmp(layers[j].ins[0], l->outs[0]) != 0) continue;
                    if (!strcmp(layers[j].type, "ShuffleChannel")) {
                        groups = pint(&layers[j], 0, 1); outName = layers[j].outs[0]; skip[j] = 1;
                    }
                    break;
                }
            }
            Step *s = add_step(OP_CAT, outName);
            long c = 0;
            for (int i = 0; i < l->nin; i++) { s->in[i] = input_blob(l, i); c += blobs[s->in[i]].c; }
            s->nin = l->nin; s->shuffle = (int)groups;
            s->out = blob_new(outName, NULL, c, blobs[s->in[0]].h, blobs[s->in[0]].w);
        } else if (!strcmp(t, "Interp")) {
            int x = input_blob(l, 0);
            long mode = pint(l, 0, 1), oh = pint(l, 3, 0), ow = pint(l, 4, 0);
            if (oh == 0 || ow == 0) { oh = (long)((float)blobs[x].h * pfloat(l, 1, 1)); ow = (long)((float)blobs[x].w * pfloat(l, 2, 1)); }
            Step *s = add_step(OP_RESIZE, l->outs[0]);
            s->in[0] = x; s->nin = 1;
            resize_axis(blobs[x].w, ow, mode == 2, &s->rx0, &s->rx1, &s->rfx);
            resize_axis(blobs[x].h, oh, mode == 2, &s->ry0, &s->ry1, &s->rfy);
            s->out = blob_new(l->outs[0], NULL, blobs[x].c, oh, ow);
        } else if (!strcmp(t, "BinaryOp") || !strcmp(t, "Eltwise")) {
            Step *s = add_step(OP_BINARY, l->outs[0]);
            s->in[0] = input_blob(l, 0); s->in[1] = input_blob(l, 1); s->nin = 2;
            long op = !strcmp(t, "Eltwise") ? 0 : pint(l, 0, 0);
            s->binop = op == 4 ? 3 : (int)op;
            s->out = blob_new(l->outs[0], NULL, blobs[s->in[0]].c, blobs[s->in[0]].h, blobs[s->in[0]].w);
        } else if (!strcmp(t, "Sigmoid") || !strcmp(t, "ReLU")) {
            Step *s = add_step(OP_ACT, l->outs[0]);
            s->in[0] = input_blob(l, 0); s->nin = 1;
            if (!strcmp(t, "Sigmoid")) s->act = 4;
            else { float slope = pfloat(l, 0, 0); s->act = slope == 0 ? 1 : 2; s->a0 = slope; }
            s->out = blob_new(l->outs[0], NULL, blobs[s->in[0]].c, blobs[s->in[0]].h, blobs[s->in[0]].w);
        } else if (!strcmp(t, "Permute")) {
            int x = input_blob(l, 0);
            if (pint(l, 0, 0) != 1 || blobs[x].c != 1) { fprintf(stderr, "%s: only 2-D transpose modelled\n", l->name); exit(1); }
            Step *s = add_step(OP_TRANSPOSE, l->outs[0]);
            s->in[0] = x; s->nin = 1;
            s->out = blob_new(l->outs[0], NULL, 1, blobs[x].w, blobs[x].h);
        } else if (!strcmp(t, "Noop")) {
        } else {
            fprintf(stderr, "%s: layer type %s not modelled\n", l->name, t); exit(1);
        }
    }
}

static float *scratch;
static wc_pool *pool;
static int level;

static void run_step(const Step *s) {
    const Blob *x = &blobs[s->in[0]], *y = &blobs[s->out];
    long plane = y->h * y->w;
    switch (s->op) {
    case OP_CONV1X1: {
        int fused = s->act <= 3;
        wc_mt_sgemm_packed(pool, s->packedA, s->cout, plane, x->c, x->data, plane, s->bias, fused ? s->act : 0, s->a0, s->a1, y->data, plane);
        if (!fused) wc_mt_bias_act(pool, y->data, s->cout, plane, NULL, s->act, s->a0, s->a1);
        break;
    }
    case OP_CONV1X1_Q8: {
        int post = s->act > 3;
        uint8_t *packed = (uint8_t *)scratch;
        wc_qgemm_pack_x(x->data, x->c, plane, plane, s->qinv, packed);
        wc_mt_qgemm(pool, level, s->qw, s->Kp, packed, plane, s->cout, s->comp, s->qscale, s->bias,
                    post ? 0 : s->act, post ? 0 : s->a0, post ? 0 : s->a1, y->data, plane);
        if (post) wc_f32_bias_act(y->data, s->cout, plane, plane, NULL, s->act, s->a0, s->a1);
        break;
    }
    case OP_DW:
        wc_mt_dwconv(pool, x->data, x->c, x->h, x->w, y->data, y->h, y->w, s->w, s->bias, (int)s->k, (int)s->stride,
                     (int)s->pt, (int)s->pl, (int)s->pb, (int)s->pr, s->act, s->a0, s->a1, scratch,
                     wc_f32_dwconv_scratch(x->h, x->w, (int)s->pt, (int)s->pl, (int)s->pb, (int)s->pr));
        break;
    case OP_DIRECT:
        wc_mt_conv_direct(pool, x->data, x->c, x->h, x->w, y->data, s->cout, y->h, y->w, s->w, s->bias, (int)s->k,
                          (int)s->stride, (int)s->pt, (int)s->pl, (int)s->pb, (int)s->pr, s->act, s->a0, s->a1, scratch,
                          wc_f32_direct_scratch(x->c, x->h, x->w, (int)s->k, (int)s->stride, (int)s->pt, (int)s->pl,
                                                (int)s->pb, (int)s->pr, y->w));
        break;
    case OP_MAXPOOL:
        wc_mt_maxpool(pool, x->data, x->c, x->h, x->w, y->data, y->h, y->w, (int)s->k, (int)s->stride, (int)s->pt,
                      (int)s->pl, (int)s->pb, (int)s->pr, scratch,
                      wc_f32_direct_scratch(1, x->h, x->w, (int)s->k, (int)s->stride, (int)s->pt, (int)s->pl, (int)s->pb,
                                            (int)s->pr, y->w));
        break;
    case OP_CAT: {
        const float *srcs[MAXV]; long counts[MAXV];
        for (int i = 0; i < s->nin; i++) { srcs[i] = blobs[s->in[i]].data; counts[i] = blobs[s->in[i]].c; }
        wc_mt_concat_shuffle(pool, srcs, counts, s->nin, y->data, y->c, plane, s->shuffle);
        break;
    }
    case OP_RESIZE:
        wc_mt_resize(pool, x->data, x->c, x->h, x->w, y->data, y->h, y->w, s->rx0, s->rx1, s->rfx, s->ry0, s->ry1, s->rfy);
        break;
    case OP_BINARY:
        wc_mt_binary(pool, x->data, blobs[s->in[1]].data, y->data, y->c * plane, s->binop);
        break;
    case OP_ACT:
        wc_mt_activation(pool, x->data, y->data, y->c * plane, s->act, s->a0, s->a1);
        break;
    case OP_TRANSPOSE:
        wc_mt_transpose(pool, x->data, y->data, x->c, x->h, x->w);
        break;
    }
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: nanodet-count PARAM fp32|int8 [RUNS]\n"); return 2; }
    int int8 = strcmp(argv[2], "int8") == 0, runs = argc > 3 ? atoi(argv[3]) : 2;
    level = wc_cpu_int8_level();
    if (argc > 4) {
        if (!strcmp(argv[4], "neon")) level = WC_Q8_NEON;
        else if (!strcmp(argv[4], "dotprod")) level = WC_Q8_NEON_DOTPROD;
        else if (!strcmp(argv[4], "i8mm")) level = WC_Q8_NEON_I8MM;
        else { fprintf(stderr, "unknown int8 level %s\n", argv[4]); return 2; }
        if (!wc_qgemm_level_supported(level)) { fprintf(stderr, "int8 level %s: not supported by this CPU\n", argv[4]); return 3; }
    }
    parse(argv[1]);
    build(int8);
    long maxScratch = 1 << 20;
    for (int i = 0; i < nsteps; i++) {
        const Step *s = &steps[i]; const Blob *x = &blobs[s->in[0]], *y = &blobs[s->out];
        long n = 0;
        if (s->op == OP_DW) n = wc_f32_dwconv_scratch(x->h, x->w, (int)s->pt, (int)s->pl, (int)s->pb, (int)s->pr);
        if (s->op == OP_DIRECT || s->op == OP_MAXPOOL)
            n = wc_f32_direct_scratch(s->op == OP_DIRECT ? x->c : 1, x->h, x->w, (int)s->k, (int)s->stride, (int)s->pt,
                                      (int)s->pl, (int)s->pb, (int)s->pr, y->w);
        if (s->op == OP_CONV1X1_Q8) n = (long)(wc_qgemm_packed_size(x->c, y->h * y->w) + 3) / 4;
        if (n + 64 > maxScratch) maxScratch = n + 64;
    }
    scratch = aligned_alloc(64, (size_t)maxScratch * 4);
    memset(scratch, 0, (size_t)maxScratch * 4);
    pool = wc_pool_create(1);
    long macs = 0; int q8 = 0;
    printf("marker %p\nint8 level %s\nsgemm %s\ndwconv %s\n", (void *)wc_count_mark, int8 ? wc_qgemm_level_name(level) : "none",
           wc_sgemm_packed_kernel_name(), wc_f32_dwconv_kernel_name());
    for (int i = 0; i < nsteps; i++) {
        const Step *s = &steps[i]; const Blob *y = &blobs[s->out];
        macs += s->macs; q8 += s->op == OP_CONV1X1_Q8;
        printf("step %d %s %s", i, opName[s->op], s->name);
        for (int j = 0; j < s->nin; j++) printf("%s%ldx%ldx%ld", j ? "," : " ", blobs[s->in[j]].c, blobs[s->in[j]].h, blobs[s->in[j]].w);
        printf(" %ldx%ldx%ld %ld\n", y->c, y->h, y->w, s->macs);
    }
    printf("steps %d convolution-macs %ld int8-convolutions %d runs %d\n", nsteps, macs, q8, runs);
    fflush(stdout);
    wc_count_mark();
    wc_count_mark();
    for (int r = 0; r < runs; r++) {
        wc_count_mark();
        for (int i = 0; i < nsteps; i++) {
            run_step(&steps[i]);
            wc_count_mark();
        }
    }
    double check = 0;
    for (int i = 0; i < nblobs; i++) check += blobs[i].data[0];
    printf("checksum %g\n", check);
    wc_pool_destroy(pool);
    return 0;
}
