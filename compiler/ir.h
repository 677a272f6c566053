/* ir.h - the one internal header of the dlc compiler: the graph IR and every stage's entry.
 *
 * A Graph is an array of immutable, hash-consed Nodes.  A node's inputs always have smaller
 * ids than the node, so id order is a topological order.  Shapes and dtypes are inferred when
 * a node is built; a mismatch is reported at the node's model line through g->on_error.
 * Passes never mutate nodes: they rebuild the graph (ir_rebuild) with rewritten inputs. */
#ifndef DLC_IR_H
#define DLC_IR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dlc_kernel.h"
#include "dlc_text.h"

#define MAX_DIMS 8

/* ---- types ---------------------------------------------------------------------------- */

typedef enum {
#define OP(id, name, arity, kind, flags, attrs, expr, fold) OP_##id,
#include "ops.h"
#undef OP
} Op;
enum { /* the number of ops (not an Op: switches on Op list every op and nothing else) */
  OP_COUNT = 0
#define OP(id, name, arity, kind, flags, attrs, expr, fold) +1
#include "ops.h"
#undef OP
};

typedef enum {
  K_LEAF,    /* storage owned elsewhere */
  K_CONST,   /* scalar literal */
  K_RAND,    /* counter-based random numbers, elementwise */
  K_E1,      /* unary elementwise */
  K_E2,      /* binary elementwise with broadcasting */
  K_BCAST,   /* broadcast to a bigger shape */
  K_RESHAPE, /* view */
  K_TRANSP,  /* 2-D transpose */
  K_PERMUTE, /* dims permuted, read through in its user's loop like a broadcast */
  K_SHIFT,   /* slice and zero-pad along one axis: read through in its user's loop */
  K_WINDOW,  /* window gather (im2col) and its adjoint scatter (col2im) */
  K_REDUCE,  /* sum_to / max */
  K_ROW,     /* row-wise along an axis: softmax, log_softmax, argmax_mask */
  K_MATMUL,  /* matrix product */
  K_ONEHOT,  /* one-hot of class indices */
  K_PICK,    /* gather one element per row */
  K_GATHER,  /* gather along an axis by int32 indices, and its scatter-add adjoint */
  K_XENT,    /* fused softmax cross-entropy per row */
  K_PHASE,   /* a value per pass (training, inference): resolved before the passes */
  K_ASSIGN   /* side effect */
} OpKind;

enum {
  OF_NODIFF = 1, /* not differentiable */
  OF_LEAF = 2,   /* storage owned by model or caller */
  OF_AB = 4      /* a unary op with scalar attributes a, b (ir_unary_ab) */
};

/* An op's row of ops.h. */
typedef struct {
  const char *name;
  int arity;
  OpKind kind;
  unsigned flags;
  const char *attrs; /* the dumps' attribute template */
  const char *expr; /* elementwise: the C expression template; NULL otherwise */
} OpInfo;
extern const OpInfo op_info[OP_COUNT];

typedef enum {
  DT_FLOAT, /* the net's float type: f32 or f64 (chosen at emission) */
  DT_INT    /* int32 class indices */
} DType;

typedef struct {
  int n;             /* rank; 0 for a scalar */
  int d[MAX_DIMS];   /* dims, each >= 1 */
} Shape;

typedef struct {
  const char *file; /* as the user named it */
  int line;         /* 0 when unknown */
  int scope;        /* the module that built it: 1 + index into the graph's scopes; 0: none */
} Loc;

/* A module instance of the model: what the generated C and the dumps call its nodes by. */
typedef struct {
  const char *name; /* its state_dict prefix once named ("net.4"), else "relu3" */
  const char *kind; /* "ReLU", "Linear", ... */
} Scope;

enum {
  NF_BACKWARD = 1 /* built by autodiff or the optimizer, not by the model file */
};

typedef struct Node {
  Op op;
  DType dt;
  int nin;
  int in[2];
  Shape shape;
  int axis;          /* MAX, K_ROW, K_SHIFT, K_GATHER: 0-based axis */
  int ta, tb;        /* MATMUL: operand transposed */
  double a, b;       /* CONST value; CLAMP/INRANGE bounds */
  int attr[8];       /* PERMUTE: the permutation; WINDOW/UNWINDOW: indexed by WA_*; SLICE: start; PAD: offset;
                        GATHER/SCATTER: 1 + the index that gets no gradient (SCATTER adds nothing for it), 0: none */
  int leaf;          /* K_LEAF: index into the graph's table for that leaf kind */
  const char *cname; /* CONST: macro name (NULL: a literal) */
  Loc loc;
  unsigned flags;    /* NF_* */
} Node;

/* Sliding windows over [N, C, H, W]: output positions oh < OH, ow < OW read input row
 * oh*sh + kh - ph and column ow*sw + kw - pw (PyTorch's rule: OH = (H + 2ph - kh) / sh + 1).
 * Positions outside the input read the padding value (zeros), the nearest edge pixel
 * (replicate) or -infinity (for a max over windows; nn.MaxPool2d uses max_pool instead).  The window tensor's layout puts the window
 * offsets first so it reshapes into a matrix:
 *   WL_CONV [C, KH, KW, N, OH, OW]  (rows C*KH*KW: the order of a Conv2d weight's columns)
 *   WL_POOL [KH, KW, N, C, OH, OW]  (rows KH*KW: one reduction over the window) */
enum { WA_KH, WA_KW, WA_SH, WA_SW, WA_PH, WA_PW, WA_MODE, WA_LAYOUT };
enum {
  PAD_ZEROS,     /* zero padding */
  PAD_REPLICATE, /* the nearest edge pixel */
  PAD_NEGINF     /* -infinity: padding that never wins a max (core.window(x, ..., "-inf")) */
};
enum {
  WL_CONV, /* [C, KH, KW, N, OH, OW] */
  WL_POOL  /* [KH, KW, N, C, OH, OW] */
};
enum { WD_C, WD_KH, WD_KW, WD_N, WD_OH, WD_OW }; /* the window tensor's logical dims */
extern const int win_layout[2][6];              /* per WL_*: its dims, outermost first */

/* Below DOT_MIN_K a product A B^T copies B^T row-major (opt_layout.c); from it on, the
 * emitter's dot-product kernel reads B in place.  Up to AXPY_MAX_K, a product whose N is a
 * whole number of 16-float vectors (so of every target's vectors) copies B^T too: its k is a
 * few vectors, and the dot form's horizontal sums cost more than the copy (an LSTM's input
 * projection, k = 28 pixels, N = 4 gates x 128: forward 224 -> 448/s; with k = 64 and 128, the
 * transformer's projections and MLP and the LSTM's hidden product: transformer forward ~505 ->
 * ~625/s, LSTM ~428 -> ~499/s, the autoencoder's step ~1610 -> ~2090/s.  At k = 256, the MLP's
 * second Linear, no gain and its 2 threads slower).  A convolution's weight gradient, whose B
 * is the windows its kernel gathers from the image, only below AXPY_WIN_MAX_K. */
enum { DOT_MIN_K = 16, AXPY_WIN_MAX_K = 64, AXPY_MAX_K = 128 };

typedef enum {
  INIT_UNIFORM, /* a = lo, b = hi */
  INIT_NORMAL,  /* a = mean, b = std */
  INIT_CONST    /* a = value */
} InitKind;

typedef struct {
  InitKind kind;
  double a, b;
  int64_t zero_row; /* 1 + a row (dim 1) set to 0 after the fill (nn.Embedding's padding_idx); 0: none */
} Init;

/* A named tensor owned by the model or the caller. */
typedef struct {
  const char *name; /* state_dict name, e.g. "net.0.weight", or "x" for an input */
  Shape shape;
  DType dt;
  Init init;        /* params */
  int owner;        /* states: the param they belong to, -1 for the optimizer's own */
  const char *slot; /* states: "momentum_buffer", ... */
  int node;         /* the leaf node */
  int eval_only;    /* outputs: written by m_eval only (per-sample losses) */
  int buffer;       /* params: not trained (batch-norm running statistics), updated by m_grad */
  int frozen;       /* params: module:freeze(): not trained (no gradient, no optimizer state) */
  int grad;         /* params: 1 + the node of its gradient slot (ir_grad), 0 while it has none */
  Loc loc;
} Leaf;

typedef enum {
  FN_FORWARD, /* m_forward: inputs -> outputs, inference mode */
  FN_GRAD,    /* m_grad: inputs -> loss, gradients into the grad slab */
  FN_UPDATE,  /* the optimizer step: params, grads, state -> params, state */
  FN_EVAL,    /* m_eval: inputs and target -> outputs and per-sample losses, inference mode */
  FN_COUNT    /* number of functions */
} FnKind;

typedef struct {
  int *v;
  int n, cap;
} IntVec;

typedef struct Graph {
  Node *nodes;
  int nnodes, cap;
  int *htab; /* hash-cons table of node ids, -1 empty */
  int hcap;
  Leaf *inputs, *outputs, *params, *states;
  int ninputs, noutputs, nparams, nstates;
  int capleaf[4];
  IntVec roots[FN_COUNT]; /* what each function must compute */
  int loss;               /* loss node, -1 without training */
  int target;             /* index of the target input (sequential style), -1 if none */
  const char *name;       /* model name: C prefix */
  uint64_t hash;          /* the model's graph as the model file built it (ir_graph_hash) */
  Scope *scopes;           /* the model's modules (Loc.scope) */
  int nscopes, capscopes;
  Loc cur;                /* location given to new nodes */
  unsigned cur_flags;     /* flags given to new nodes */
  void (*on_error)(void *ctx, const char *msg); /* must not return */
  void *err_ctx;
} Graph;

/* ---- ir.c, ir_ops.c (the constructors of computed nodes) ---------------------------- */
void *ir_alloc(size_t n);          /* zeroed; lives until exit, like the IR */
char *ir_strdup(const char *s);
char *ir_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Text from the model file on its way into generated text: escaped for the context it lands
 * in (runtime/dlc_text.h: RT_ESC_C_COMMENT, RT_ESC_C_STRING, RT_ESC_DOT, RT_ESC_TERM, ...), or
 * made a C identifier; both copies live as long as the IR. */
const char *ir_esc(const char *s, RtEsc ctx);
char *ir_c_ident(const char *s);
/* Write text[0..n) to path atomically (the old file or the whole new one, never a part); 0, or
 * 1 after printing why not. */
int ir_write_file(const char *path, const char *text, size_t n);
/* Template text with each $name ([a-z0-9]+) replaced by value(name, ctx), which returns NULL
 * for a name it does not know (an internal error): ops.h's C expressions and attributes. */
char *ir_template(const char *t, const char *(*value)(const char *name, void *ctx), void *ctx);
void ir_free_all(void);
_Noreturn void die_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define die(...) die_at(__FILE__, __LINE__, __VA_ARGS__)
#define unreachable() die_at(__FILE__, __LINE__, "unreachable")

Graph *ir_new(void);
void ir_on_error_exit(void *ctx, const char *msg); /* print, exit 1 */
void ir_on_error_jump(void *ctx, const char *msg); /* print, longjmp to the jmp_buf ctx */
_Noreturn void ir_error(Graph *g, Loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t shape_numel(const Shape *s);
int shape_eq(const Shape *a, const Shape *b);
int shape_broadcast(const Shape *a, const Shape *b, Shape *out); /* 0 if incompatible */
char *shape_str(const Shape *s);                                 /* "[64,256]" */
void ivec_push(IntVec *v, int x);

/* Append node n (its op and attributes set), or return its existing twin: the constructors'
 * common end (leaves are never merged).  ir_node: node id, checked. */
int ir_add_node(Graph *g, Node n);
const Node *ir_node(const Graph *g, int id);

/* A new module scope (its id, for Loc.scope), its final name, and the scope of an id (NULL
 * for 0). */
int ir_scope_new(Graph *g, const char *name, const char *kind);
void ir_scope_rename(Graph *g, int scope, const char *name);
const Scope *ir_scope(const Graph *g, int scope);

int ir_input(Graph *g, const char *name, Shape s, DType dt);
int ir_output(Graph *g, const char *name, Shape s);
int ir_param(Graph *g, const char *name, Shape s, Init init);
int ir_state(Graph *g, int param, const char *slot); /* param -1: a scalar of the optimizer */
int ir_grad(Graph *g, int param);
int ir_const(Graph *g, double v, const char *cname);
int ir_rand(Graph *g, Shape s, int stream);
int ir_unary(Graph *g, Op op, int x);
/* A unary elementwise op with scalar attributes (OF_AB): CLAMP and INRANGE take bounds
 * a = lo <= b = hi, SOFTPLUS its threshold a. */
int ir_unary_ab(Graph *g, Op op, int x, double a, double b);
int ir_binary(Graph *g, Op op, int a, int b);
int ir_broadcast(Graph *g, int x, Shape s);
int ir_reshape(Graph *g, int x, Shape s);
int ir_transpose(Graph *g, int x);
int ir_permute(Graph *g, int x, const int *perm); /* out dim i = input dim perm[i] */
int ir_slice(Graph *g, int x, int axis, int start, int len); /* elements start..start+len-1 of axis */
int ir_pad(Graph *g, int x, int axis, int at, int size);      /* x at offset `at` of zeros, axis size `size` */
/* torch.gather along axis: the node has shape s (x's rank; idx broadcast to it); ir_scatter is
 * its adjoint, zeros of x's shape s with in[0] added where idx points. */
int ir_gather(Graph *g, int x, int idx, int axis, Shape s);
int ir_scatter(Graph *g, int src, int idx, int axis, Shape s);
/* ir_gather whose index `nograd` (0-based; -1: none) passes no gradient back to x: its value is
 * read as usual, and the adjoint scatter adds nothing for it (nn.Embedding's padding_idx). */
int ir_gather_nograd(Graph *g, int x, int idx, int axis, Shape s, int nograd);
int ir_scatter_nograd(Graph *g, int src, int idx, int axis, Shape s, int nograd);
/* The value of a model-level expression in each pass: t in the training step, e in inference
 * (dropout, batch norm in functional models); gone after ir_resolve_phases. */
int ir_phase(Graph *g, int t, int e);
int ir_window(Graph *g, int x, const int *attr);  /* attr indexed by WA_* */
int ir_unwindow(Graph *g, int cols, const int *attr, Shape image); /* adjoint of ir_window */
/* Max pooling of an [N, C, H, W] image, attr's first six (kernel, stride, padding) as a window's;
 * PyTorch's rule: the first maximum of each window wins, a NaN wins over numbers. */
int ir_max_pool(Graph *g, int x, const int *attr);
int ir_max_pool_backward(Graph *g, int x, int gy, const int *attr); /* gy added at each window's max */
/* Windows of kernel k, stride, padding tile an axis of len pixels with out windows: stride =
 * k, no padding, nothing left over (each pixel in exactly one window) */
int ir_tiles(int k, int stride, int pad, int out, int len);
int ir_pool_tiles(const Graph *g, int id); /* a pooling's windows tile its image (ir_tiles both ways) */
int ir_pool2x2(const Graph *g, int id);    /* ... and are 2 x 2 (stride 2, no padding) */
int ir_plane_swap(const Graph *g, int id); /* a permute of a rank-4 tensor's first two dims (NCHW <-> CNHW) */
int ir_sum_to(Graph *g, int x, Shape s);
int ir_max(Graph *g, int x, int axis);
int ir_row(Graph *g, Op op, int x, int axis); /* SOFTMAX, LOG_SOFTMAX, ARGMAX_MASK */
int ir_matmul(Graph *g, int a, int b, int ta, int tb);
int ir_onehot(Graph *g, int t, int classes);
int ir_pick(Graph *g, int x, int t);
int ir_xent(Graph *g, int logits, int t);
int ir_assign(Graph *g, int dst, int value);
int ir_is_const(const Graph *g, int id, double v);
const Leaf *ir_leaf(const Graph *g, int id); /* NULL unless a leaf node */
int ir_root_of(const Graph *g, int id);    /* id, or what its chain of reshapes reshapes */

/* The graph's own fields and its leaves' flags: read directly, written through these (the
 * model language and the driver build a graph with them; passes rebuild it with ir_rebuild). */
void ir_add_root(Graph *g, FnKind fn, int node);  /* function fn must compute node */
void ir_set_name(Graph *g, const char *name);     /* the model name (copied): the C prefix */
void ir_set_loss(Graph *g, int node);             /* the loss node, -1: no training */
void ir_set_target(Graph *g, int input);          /* index of the target input, -1: none */
void ir_set_hash(Graph *g, uint64_t hash);        /* the checkpoint hash (ir_graph_hash) */
void ir_set_loc(Graph *g, Loc loc);               /* the location new nodes get */
void ir_set_flags(Graph *g, unsigned flags);      /* the NF_* flags new nodes get */
/* Where user errors go (g->on_error, called with ctx; must not return). */
void ir_set_on_error(Graph *g, void (*on_error)(void *ctx, const char *msg), void *ctx);
void ir_rename_param(Graph *g, int param, const char *name); /* param: its node; name copied */
void ir_mark_buffer(Graph *g, int param);   /* param (its node) is a buffer: not trained */
void ir_mark_frozen(Graph *g, int param);   /* param (its node) is frozen: not trained */
int ir_trained(const Graph *g, int i);      /* params[i] is trained: neither a buffer nor frozen */
void ir_mark_eval_only(Graph *g, int output); /* output (its node) is written by m_eval only */

/* The graph as the model file built it, made ready for the passes: every PHASE node replaced by
 * its training value where the training step (FN_GRAD, FN_UPDATE, the loss) reads it and by
 * its inference value where m_forward and m_eval do, and the parameters no function reads
 * left out (a module built but never used).  Returns g itself when there is nothing to do;
 * *dropped (may be NULL) gets the number of parameters left out, named in (*dropped_names). */
Graph *ir_resolve_phases(const Graph *g, int *dropped, const Leaf **dropped_leaves);

/* Rebuild the graph from its roots: map(old node) may return a replacement built in ng from
 * already-mapped inputs, or -1 for the default copy.  Unreachable nodes vanish. */
typedef int (*RewriteFn)(Graph *ng, const Graph *og, int old, const int *map, void *ctx);
Graph *ir_rebuild(const Graph *g, RewriteFn fn, void *ctx);
int ir_copy_node(Graph *ng, const Graph *og, int old, const int *map);
void ir_users(const Graph *g, int **count); /* uses per node, over all roots */
void ir_readers(const Graph *g, int **count, int ***readers); /* and the reading nodes (a node reading twice: twice) */
void ir_reachable(const Graph *g, const int *roots, int nroots, char *mark);

/* ---- autodiff.c ---------------------------------------------------------------------- */
/* Build d(loss)/d(param) for every param; grads[i] is the gradient node of param i. */
void ad_gradients(Graph *g, int loss, int *grads);

/* ---- ir_check.c: verify and hash --------------------------------------------------------- */
/* The IR's invariants (ops, arities, inputs before their node, shapes, leaves, roots): die() on
 * a broken one, an internal error.  Run after the model was built and after every pass. */
void ir_verify(const Graph *g);
/* The hash a checkpoint carries: the forward graph as the model file built it (before any
 * pass), its inputs' per-sample shapes and its parameters' names and shapes. */
uint64_t ir_graph_hash(const Graph *g);

/* ---- passes (opt_*.c, run by driver/pipeline.c) --------------------------------------- */
Graph *opt_simplify(const Graph *g, int *changed);
Graph *opt_layout(const Graph *g, int *changed);

/* --target: the vector width and register tiles of the generated kernels (emit_matmul.c).
 * Every target's output is portable C (GCC/Clang vector extensions); the target only picks
 * the shapes that suit one ISA.  Its summation order is fixed per target. */
typedef enum { TARGET_GENERIC, TARGET_AVX2, TARGET_AVX512, TARGET_NEON } Target;
extern const char *const target_names[]; /* "generic", "avx2", "avx512", "neon" */
int target_parse(const char *s);        /* -1 when unknown */
Target target_host(void);               /* the machine dlc runs on (dlc train's default) */
int l2_host_kib(void);                  /* its L2 per core, KiB; 0 when unknown */

typedef struct {
  int dtype64;        /* --dtype f64 */
  Target target;      /* --target */
  int unroll;         /* loops with at most this many iterations are unrolled; -1 = all */
  int inference;      /* --inference */
  int check_numerics; /* --check-numerics */
  int openmp;         /* --openmp */
  int l2_kib;         /* --l2: the L2 cache the products' blocking assumes, KiB; 0: 1024 */
  const struct RtSched *sched; /* spec.scheduler (dlc_rt.h); NULL: none, the learning rate is a constant */
  const char *feed;   /* dlc train --input: the input the descriptor (RtNet) feeds; NULL: the first besides the target */
} EmitOptions;

/* ---- plan.c ---------------------------------------------------------------------------- */
typedef enum {
  S_NONE,   /* not stored: inlined into its user, or a constant */
  S_ARENA,  /* m->arena + off */
  S_INPUT,  /* caller's input pointer */
  S_OUTPUT, /* caller's output pointer */
  S_PARAM,  /* m->param + off */
  S_STATE,  /* m->state + off */
  S_GRAD,   /* m->grad + off */
  S_ALIAS   /* same storage as input 0 (reshape) */
} StoreKind;

typedef struct {
  StoreKind kind;
  int64_t off; /* elements */
  int leaf;    /* S_INPUT/S_OUTPUT: index */
} Store;

typedef struct {
  int planned;
  int *sched; /* node ids in execution order (materialized nodes, then assigns) */
  int nsched;
  char *inl;      /* per node: computed inside its user's loop */
  Store *store;   /* per node */
  int *coalesced; /* per node: the assign it is computed straight into, else -1 */
  int *epi;       /* per node: a product's one reader, an elementwise block over its elements
                     that the emitter may compute as the product's epilogue; else -1 */
  int *unw;       /* per node: a product's one reader, a scatter-add (unwindow) of its elements
                     run with it a block of images at a time; else -1 */
  int *unw_images; /* per node: the images of such a block, whose columns the product's storage
                      holds (plan_numel); else 0 */
  int *win;       /* per product: the window (im2col) node it alone reads, right before it, that
                     it gathers with it a block of images at a time; else -1 */
  int *win_images; /* per window node: the images of such a block, whose columns its storage
                      holds (plan_numel); else 0 */
  int *wgr;       /* per product: the window it reads as B (a convolution's weight gradient, dY X^T)
                     whose other reader, the forward's product, has it in win; the product
                     gathers it again a block of images at a time (win_images); else -1 */
  int64_t arena;  /* elements used */
} FnPlan;

typedef struct {
  Graph *g;
  FnPlan fn[FN_COUNT];
  int64_t *param_off, *state_off; /* per leaf, elements, 64-byte aligned */
  int64_t param_count, param_slab, state_count, state_slab, arena;
} Plan;

Plan *plan_build(Graph *g, const EmitOptions *o);
int64_t plan_numel(const Graph *g, const FnPlan *fp, int id); /* the elements node id's storage holds */
/* The 2 x 2 max pooling at schedule position s of sched[0..n) (store: the function's storage)
 * that a direct convolution's epilogue computing block sched[s - 1] computes too, or -1 */
int plan_direct_pool(const Graph *g, const int *sched, int n, const Store *store, int s);
/* The stored tensors a fused block reads besides the one it is fused with: root[i], read with
 * its image planes swapped (CNHW as NCHW) when swap[i] */
enum { PLAN_MAX_READS = 4 };
typedef struct {
  int n, root[PLAN_MAX_READS], swap[PLAN_MAX_READS];
} PlanReads;
/* The 2 x 2 max pooling at position s + 1 of elementwise block sched[s]'s whole output, which
 * the emitter computes with the block plane by plane (emit_c.c's emit_elem_pool; inl: the
 * nodes computed inside their users), or -1; its output is then live from the block on.  r
 * (if not NULL): the tensors the block reads, but constants */
int plan_elem_pool(const Graph *g, const int *sched, int n, const Store *store, const char *inl, int s, PlanReads *r);
/* Is node sm the softmax over the rows of cross-entropy x's logits (its backward's), which the
 * emitter computes with x when scheduled right after it (plan.c hoist_softmax)? */
int plan_xent_softmax(const Graph *g, int x, int sm);
/* emit_window.c: the images per block as the emitter computes them for o's target and --l2, or
 * 0 when it computes them whole: of scatter-add w of product mm's columns, or of window gather
 * w whose one reader is product mm (the window tensor mm's B) */
int window_images(const Graph *g, const EmitOptions *o, int w, int mm);
/* whether product wg (dY X^T) can gather its B, window w, B images at a time itself */
int window_grad_blocks(const Graph *g, const EmitOptions *o, int w, int wg, int B);
/* ... whose filter gradient wg reads the images w's forward product mm padded instead (the
 * image itself is then not read after mm) */
int window_grad_pixels(const Graph *g, const EmitOptions *o, int w, int mm, int wg);

/* ---- emit_c.c ------------------------------------------------------------------------ */
int emit_c(const Plan *p, const EmitOptions *o, const char *cpath, const char *hpath,
           const char *source);

/* ---- dump.c ---------------------------------------------------------------------------- */
char *dump_node_str(const Graph *g, int id, int dtype64);
void dump_graph(FILE *f, const Graph *g, int dtype64, const char *stage);
void dump_plan(FILE *f, const Plan *p, int dtype64);
void dump_dot(FILE *f, const Graph *g, int dtype64, int modules); /* modules: one node per module */
void dump_stats(FILE *f, const Plan *p, int dtype64);
double ir_node_flops(const Graph *g, int id);
const char *dtype_str(DType dt, int dtype64);

#endif
