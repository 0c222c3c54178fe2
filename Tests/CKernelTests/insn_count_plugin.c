// A qemu TCG plugin (host shared object) that counts executed guest instructions exactly:
// every translated block adds its instruction count to one counter, inline, each time it runs
// (a block runs to its end unless the guest faults inside it, which none of our runs do; the
// result equals the one-line-per-instruction `-d exec,nochain -one-insn-per-tb` log: each
// scripts/arm-kernels-test --count-inference run checks that on a small program first). Far faster than the log, so a whole inference, or a
// Python process running ncnn, can be counted.
//
//   qemu-aarch64 -plugin insn_count_plugin.so,out=FILE[,marker=0xADDR] PROGRAM ...
//
// FILE gets "insns N" (all instructions the process executed), "vcpus N" (guest threads seen)
// and, with marker=ADDR, one line "mark N" per execution of the block that starts at ADDR (the
// count at that moment): a program calls an empty function at ADDR between the parts it wants
// counted, and the differences of consecutive marks are the parts' counts. With syscall=NR a
// system call of that number marks instead (for programs whose code addresses are not fixed,
// such as Python calling os.getppid(), NR 173 on arm64). One counter serves all guest threads:
// marks are exact while the other threads are blocked (vcpus says how many there were). With
// threads=1 each guest thread has its own count (a call per executed block, slower) and a mark
// records the count of the thread that made it: the instructions that thread executed.
//
// Written against the plugin API of qemu 7.2 (version 1), declared here rather than through
// <qemu-plugin.h>, which Debian does not package. Build: cc -O2 -shared -fPIC.
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_simple_cb_t)(qemu_plugin_id_t id, unsigned int vcpu_index);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_syscall_cb_t)(qemu_plugin_id_t id, unsigned int vcpu_index, int64_t num,
                                              uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                                              uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8);
void qemu_plugin_register_vcpu_syscall_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_syscall_cb_t cb);

void qemu_plugin_register_vcpu_init_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_simple_cb_t cb);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t total;        // instructions executed, all guest threads
static int perThread;         // threads=1: count each guest thread apart (a callback per block)
static uint64_t own[256];     // instructions executed by each guest thread (vcpu) in that mode
static uint64_t marker = 0;   // guest address of the marker block (0: none)
static int64_t markSyscall = -1; // or a system call number that marks (e.g. 173, getppid on arm64)
static uint64_t *marks;
static size_t nmarks, capmarks;
static unsigned vcpus;
static char outPath[4096];

static void on_mark(unsigned int vcpu, void *udata) {
    (void)vcpu; (void)udata;
    if (nmarks == capmarks) {
        capmarks = capmarks ? capmarks * 2 : 1024;
        marks = realloc(marks, capmarks * sizeof *marks);
        if (!marks) abort();
    }
    marks[nmarks++] = perThread ? own[vcpu & 255] : total;
}

static void on_block(unsigned int vcpu, void *udata) {
    uint64_t n = (uint64_t)(uintptr_t)udata;
    own[vcpu & 255] += n;
    __atomic_fetch_add(&total, n, __ATOMIC_RELAXED);
}

static void on_syscall(qemu_plugin_id_t id, unsigned int vcpu, int64_t num, uint64_t a1, uint64_t a2,
                       uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8) {
    (void)id; (void)a1; (void)a2; (void)a3; (void)a4; (void)a5; (void)a6; (void)a7; (void)a8;
    if (num == markSyscall) on_mark(vcpu, NULL);
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    // The exec callback is registered first, so a mark sees the count before the marker
    // block's own instructions; the inline add follows. Either order is the same for every mark.
    if (marker && qemu_plugin_tb_vaddr(tb) == marker)
        qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
    if (perThread)
        qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, QEMU_PLUGIN_CB_NO_REGS,
                                             (void *)(uintptr_t)qemu_plugin_tb_n_insns(tb));
    else
        qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &total,
                                                 qemu_plugin_tb_n_insns(tb));
}

static void on_vcpu(qemu_plugin_id_t id, unsigned int vcpu) { (void)id; (void)vcpu; vcpus++; }

static void on_exit_cb(qemu_plugin_id_t id, void *udata) {
    (void)id; (void)udata;
    FILE *f = outPath[0] ? fopen(outPath, "w") : stderr;
    if (!f) return;
    fprintf(f, "insns %" PRIu64 "\nvcpus %u\n", total, vcpus);
    for (size_t i = 0; i < nmarks; i++) fprintf(f, "mark %" PRIu64 "\n", marks[i]);
    if (f != stderr) fclose(f);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                                               int argc, char **argv) {
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0) snprintf(outPath, sizeof outPath, "%s", argv[i] + 4);
        else if (strncmp(argv[i], "marker=", 7) == 0) marker = strtoull(argv[i] + 7, NULL, 0);
        else if (strcmp(argv[i], "threads=1") == 0) perThread = 1;
        else if (strncmp(argv[i], "syscall=", 8) == 0) markSyscall = strtoll(argv[i] + 8, NULL, 0);
        else { fprintf(stderr, "insn_count_plugin: unknown argument %s\n", argv[i]); return 1; }
    }
    qemu_plugin_register_vcpu_init_cb(id, on_vcpu);
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
    if (markSyscall >= 0) qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
    qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
    return 0;
}
