/* emit.h - the emitter's internal interface, shared by its parts (not used outside emit_*.c).
 *
 *   emit_c.c       the driver: one block per scheduled node, kernels, the model's functions
 *   emit_loops.c   printing, C names, buffers, affine indices, loop nests, expressions and
 *                  elementwise blocks (maps, reductions, assigns)
 *   emit_matmul.c  matrix products (register-tiled "axpy" and "dot" forms, plain loops)
 *   emit_rows.c    row-wise ops (softmax, log-softmax, argmax mask, cross-entropy), pick,
 *                  2-D transpose
 *   emit_window.c  sliding windows: im2col and its adjoint
 *   emit_api.c     the model API: net.h, init, the tensor table, checkpoints, the descriptor
 *
 * A block's loop nest is an explicit value (Loops): the loop variables printed so far
 * (outermost first) and the "original" iteration dimensions of the block, each mapped to the
 * loop variable it lives in.  Index expressions are affine (Aff) over original dimensions. */
#ifndef DLC_EMIT_H
#define DLC_EMIT_H

#include "dlc_kernel.h"
#include "ir.h"

/* --openmp: a product of at least OMP_MIN_MACS multiply-adds, an elementwise block of at least
 * OMP_MIN_ELEMS elements, splits across threads (below, a parallel region costs more than it
 * saves); a product splits its columns when it has OMP_MIN_TILES column blocks, else its rows;
 * a reduction splits the outermost loop its output walks when that has OMP_MIN_TILES iterations */
enum { MAXV = 3 * MAX_DIMS, MAXBUF = 64, OMP_MIN_MACS = 1 << 16, OMP_MIN_ELEMS = 1 << 15, OMP_MIN_TILES = 4 };

/* c + sum k[v] * (original dimension v) */
typedef struct {
  int64_t c;
  int64_t k[MAXV];
} Aff;

/* A buffer a block touches: its storage, and the name the block's kernel knows it by. */
typedef struct {
  StoreKind kind;
  int64_t off;
  int leaf;
  const char *name;
  int written;
  int is_int; /* int32 class indices */
  int node;   /* the node whose storage it is */
  int64_t hoisted; /* the constant part of its every index, passed as name + hoisted instead */
} Buf;

/* A map from strings to ints (open addressing; keys are not copied). */
typedef struct {
  const char **key;
  int *val;
  size_t cap, n;
} StrMap;
typedef StrMap NameSet; /* upper-case names -> 1 */

/* The loop nest of the block being generated. */
typedef struct {
  int nlv; /* loop variables i0 .. i<nlv-1>, outermost first */
  struct {
    int64_t size;
    int lit;           /* unrolled: the variable is the literal val */
    int64_t val;
    const char *alias; /* printed instead of the variable (a split loop: "(i3 + i4)") */
    int seg;           /* it runs over [lo, hi) only, one segment of [0, size) (em_loop's cuts) */
    int64_t lo, hi;
  } lv[MAXV];
  int nov; /* original dimensions */
  struct {
    int lv;   /* loop variable it lives in; -1: always 0 */
    int last; /* innermost dimension of its loop variable (merged loops) */
  } ov[MAXV];
} Loops;

/* An elementwise block: a map, a reduction into a smaller shape, or an assign. */
typedef struct {
  int id;     /* node whose block this is */
  int src;    /* node whose value is computed (the node, or an assign's value) */
  int dst;    /* node whose storage is written */
  int reduce; /* 0 store, 1 sum, 2 max */
  int root;   /* src is computed from its inputs (not read) */
} Elem;

enum { MAX_GROUP = 8 }; /* blocks fused into one loop */

/* The training step's fused update (emit_c.c): a weight-gradient product of the backward
 * whose tiles go straight into its parameter's optimizer update, the gradient never stored.
 * Also (epi set) a product's elementwise epilogue: its one user, an elementwise node of the
 * same function (bias, activation, an activation's mask), computed from each element of C as
 * the tiles store it, C never stored (els[0]; grad = mm, trans = -1, param = -1). */
typedef struct {
  int epi;             /* an elementwise epilogue, not an update */
  int mm;              /* the product (a node of the gradient function) */
  int trans;           /* the gradient is the product transposed (opt_layout.c's (B A^T)^T): the
                          transpose node, whose block the step does not run either; else -1 */
  int assign;          /* its assign into the gradient slot, which the step does not run */
  int param;           /* the parameter's index */
  int grad;            /* its gradient slot, as the update reads it */
  Elem els[MAX_GROUP]; /* the update's blocks (nodes of the update function), in order */
  int nels;
  int first, covered;  /* their positions in the update's schedule */
} FuseUpd;

#define MAX_CUTS 64 /* cuts of one loop at pads' bounds (more: the loop stays whole) */

typedef struct Em {
  FILE *f; /* current output (a block's body while it is generated) */
  const Plan *p;
  const Graph *g;
  const EmitOptions *o;
  const FnPlan *fp;
  const char *pre, *PRE, *real;
  int d64;
  int ind;
  Loops L;
  Buf buf[MAXBUF];
  int nbuf;
  const char **in_names, **out_names;
  const char **param_ids, **state_ids; /* unique C identifiers (em_name_io) */
  int uses_rng;   /* the block draws random numbers: its kernel takes seed and step */
  FILE *kf;       /* kernels: one static function per distinct block */
  StrMap kernels; /* each kernel's text with its buffers named by position -> 1 + its index */
  StrMap twins;   /* a kernel's base name -> how many kernels have it */
  struct Kernel *kern; /* the kernels, written at the end (emit_c.c) */
  int nk, capk;
  NameSet arena_ids;      /* the names of activations (em_node_name) and what they must not clash with */
  const char **node_ids; /* per node: its activation's name once given */
  StrMap locals;   /* the current model function's pointer locals (name -> 1) */
  FILE *decls;     /* ... their declarations */
  int reads_model; /* ... the function's body reads m */
  const char *pragma_next; /* printed before the next loop em_loop writes (then cleared) */
  int novec_next;          /* the next loop em_loop writes is not to be vectorized (DLC_NO_VEC) */
  int ranged_ok;           /* --openmp: the block's split loop may run over [r_lo, r_hi) (em_pragma) */
  int64_t ranged;          /* ... it does: its iterations, shared by the caller's threads */
  int sub_par;             /* ... a kernel its body calls has a parallel region (emit_c.c) */
  int team;                /* ... the kernel being written opened a parallel region around its loops
                            * (a team, emit_matmul.c's dot_window_blocks): its split loops are
                            * worksharing loops without a barrier ("omp for schedule(static)
                            * nowait", each thread the same iterations in every such loop), a
                            * ranged kernel it calls takes its thread's share then waits for
                            * the others (kernel_call) */
  int npar;                /* --openmp: parallel regions so far (NAME_par's k) */
  signed char *par_fn;     /* ... and the model function each is in (FnKind) */
  int fn_par;              /* ... in the model function being emitted (it ends in NAME_par_end) */
  int share_lv;            /* --openmp: 1 + the loop variable that runs over this thread's share */
  StrMap micro;          /* microkernels (emit_matmul.c): parameters and body -> 1 + index */
  const char **mname;
  int nm, capm;
  const FuseUpd *fuse;  /* the product being generated applies this update to its tiles */
  int nsubst;           /* em_read gives subst[i] for node subst_node[i]: the gradient in a */
  int subst_node[MAX_GROUP + 1]; /* register, the fused update's intermediates in locals */
  const char *subst[MAX_GROUP + 1];
  const int *segment;       /* per node: one loop fuses only blocks of one segment (emit_group) */
  const FuseUpd *fus;       /* the updates fused into the training step's products, while */
  int nfus;                 /* m_grad's and m_update's bodies are generated (both take "fused") */
  const char *prelude;      /* per node: the update's scalars the training step computes first */
  int ncut[MAXV];           /* em_loop at level l runs ncut[l] + 1 loops, cut at cut[l][..] */
  int64_t cut[MAXV][MAX_CUTS]; /* (the bounds of pads along it: emit_loops.c elem_cuts) */
  const char *plus0;        /* the last "(x + 0.0f)" elementwise() wrote for x + a pad's zero */
} Em;

typedef void (*BodyFn)(Em *e, void *ctx);
/* What a block's body is printed by: 1, or 0 when it cannot be (nothing then is kept). */
typedef int (*BlockGen)(Em *e, void *ctx);

/* ---- emit_c.c ----------------------------------------------------------------------------- */
/* A kernel of its own (name: node id's, then suffix) printed by gen and called from the body
 * being generated, passing var when given; --openmp: from a parallel region when its loop is
 * split (em_pragma) or, share > 0, its loops run over a thread's share of share (emit_c.c). */
void em_sub_kernel(Em *e, BlockGen gen, void *ctx, int id, const char *suffix, const char *var, int64_t share,
                   const char *what);

/* ---- target.c ----------------------------------------------------------------------------- */
const char *em_vtype(const Em *e);             /* the vector type of the tiled kernels: dlc_v8f */
int em_vlanes(const Em *e);                    /* its lanes */
int em_tile_rows(const Em *e);                 /* rows of C in a register tile */
int em_tile_vecs(const Em *e);                 /* vectors of C per row in a register tile */
int em_vregs(const Em *e);                     /* the target's vector registers (16 or 32) */

/* ---- emit_loops.c ------------------------------------------------------------------------ */
void em_line(Em *e, const char *fmt, ...) __attribute__((format(printf, 2, 3))); /* indented */
const char *em_lit(const Em *e, double v);     /* a literal of the net's real type */
const char *em_fn(const Em *e, const char *name); /* libm name for the real type: exp, expf */
char *em_upper(const char *s);
int *em_sm_get(StrMap *m, const char *key);    /* the value of key, created as 0 */
int em_ns_add(NameSet *s, const char *name);   /* 0 when already there */
const char *em_ns_unique(NameSet *s, const char *base); /* base, base_2, ...: added */
int em_ident_char(char c); /* a character of a C identifier */
/* text with every identifier from[i] (whole identifiers) replaced by to[i] */
const char *em_rename(const char *text, int n, const char *const *from, const char *const *to);
const char *em_buffer(Em *e, int id, int write); /* node id's buffer in the current block */
const char *em_slab(StoreKind k);              /* "m->param", ...; NULL when not a slab */
char *em_aff_str(const Em *e, const Aff *a);
Aff em_aff_var(int v);
Aff em_aff_zero(void);
Aff em_linear(const Shape *s, const Aff *idx); /* row-major linear index of idx[] */
int em_l2_bytes(const Em *e);                  /* --l2, bytes: the cache blocking's L2 (target.c) */
/* --openmp: "#pragma omp <directive> if(NAME_par_all)", the region on all threads or on the
 * calling one alone, as NAME_par measured (emit_par) */
const char *em_omp(const Em *e, const char *directive);
int em_unrolled(const Em *e, int64_t n);       /* a loop of n iterations is unrolled */
void em_loop(Em *e, int64_t n, BodyFn body, void *ctx);
void em_nest(Em *e, const int64_t *sizes, int n, BodyFn body, void *ctx);
void em_plain_vars(Em *e, int n);              /* original dims 0..n-1, one loop each */
void em_child_idx(const Graph *g, const Shape *s, int c, const Aff *idx, Aff *out);
const char *em_read(Em *e, int id, const Aff *idx); /* node id's value at idx */
const char *em_expr(Em *e, int id, const Aff *idx); /* ... computed from its inputs */
void em_fill(Em *e, int dst, const char *val);
void emit_elem(Em *e, Elem *el);
int emit_elem_group(Em *e, Elem *els, int n); /* n blocks in one loop; 0: not possible */
int emit_elem_sums(Em *e, Elem *els, int n, const Elem *prod); /* n sibling sums (and their producer) in one loop nest; 0: not possible */
int em_group_flat(Em *e, const Elem *els, int n); /* ... possible as one flat loop */
/* The fused update's statements (e->fuse) for the parameter's element at flat index at, whose
 * gradient is the value g */
void em_update_epilogue(Em *e, const char *g, const char *at);
void em_elem_epilogue(Em *e, const char *g, const char *row, const char *col); /* (e->fuse->epi) */
void em_omp_split(Em *e, int64_t numel); /* --openmp: split the next loop when numel is large */
int em_pragma(Em *e, int64_t n);         /* print the next loop's pragma; 1: the loop is ranged */
/* a loop over v in [0, n) commented with what, or over [r_lo, r_hi) when em_pragma ranges it */
void em_split_for(Em *e, const char *v, int64_t n, const char *what);

/* ---- emit_matmul.c, emit_rows.c, emit_window.c ------------------------------------------- */
/* A register tile's code, printed by gen (its body, at indent 1), as a static inline function
 * named base (base_2, .. when another tile with different code has that name), printed before
 * the kernel that first calls it; tiles with the same code are one function.  nren identifiers
 * from[i] of the body are renamed to[i] first.  Returns the function's name. */
typedef void (*TileGen)(Em *e, const void *ctx);
const char *em_microkernel(Em *e, const char *base, const char *params, TileGen gen, const void *ctx, int nren,
                           const char *const *from, const char *const *to);
void emit_matmul(Em *e, int id);
int em_matmul_tiled(Em *e, int id); /* register-tiled (axpy or dot form): its tiles can take an epilogue */
int em_matmul_whole_tiles(Em *e, int id); /* tiled over all of k at once: an elementwise epilogue */
int em_matmul_cols_ok(const Em *e, int id, int Nc); /* can be computed Nc columns at a time (em_matmul_cols) */
int em_matmul_blocks_ok(const Em *e, int id, int KB); /* B (its windows) can be gathered KB columns at a time */
/* a block of Nc columns from b into c, their rows ldc and ldb apart */
void em_matmul_cols(Em *e, int id, int Nc, const char *c, int ldc, const char *b, int ldb);
/* A window gather and the product reading it computed straight from the image (emit_window.c):
 * how, or NULL when they cannot be; then the kernel's body. */
typedef struct Direct Direct;
const Direct *em_direct_conv(Em *e, int id, int mm);
/* ... with an epilogue: elementwise user (its NCHW planes), its 2 x 2 max pooling (or -1), the
 * expression's per-channel reads b[0..nb) (scalar[i]: a single element) */
const Direct *em_direct_conv_epi(Em *e, int id, int mm, int user, int pool, int nb, const int *b, const int *scalar);
enum { DIRECT_MAX_READS = MAX_GROUP }; /* (em_read's substitutions: these and the product) */
/* A scatter-add id of product mm (W^T dY, a convolution's input gradient) computed straight
 * from dY: how, or NULL when it cannot be (em_direct_conv_body prints it too). */
const Direct *em_direct_grad(Em *e, int id, int mm);
void em_direct_conv_body(Em *e, int id, int mm, const Direct *d);
/* Window w's images as its forward product in this function, the direct convolution's pixel
 * form, leaves them padded in w's storage (plane i of N * C at i * Hp * Wp, padded row r at
 * r * Wp; stride 1 along the rows): the window tensor's element (c, kh, kw, n, oh, ow) is the
 * plane's (oh * SH + kh, ow + kw).  1 when the filter gradient wg = dY X^T can read them
 * (emit_window.c's grad_pixels, window_grad_pixels for the planner), else 0. */
typedef struct {
  int C, KH, KW, SH, OH, OW, Hp, Wp;
  int SW, N; /* the stride along the rows; the images padded (all, or a block's) */
} WinPad;
int em_window_padded(Em *e, int w, int wg, WinPad *p);
/* A block of B of window w's images padded with zeros in w's storage, plane (n, c) at
 * (n C + c) Hp Wp, for a weight gradient X G by blocks (emit_matmul.c's axpy_window_blocks):
 * 1 with *p set when they fit there, and the window pads with zeros (emit_window.c) */
int em_window_pad_blocks(const Em *e, int w, int B, WinPad *p);
void em_window_pad_images(Em *e, int w, int B, const char *n0); /* images [n0, n0 + B) padded */
/* window id's B images from n0: gathered into, or scattered from, their columns in cols */
void em_window_images(Em *e, int id, int B, const char *n0, const char *cols);
void em_pool2_plane(Em *e, int p, const char *x, const char *y); /* 2 x 2 max pooling p of a plane */
int em_matmul_outer(const Em *e, int id); /* over k = 1: its elements can take an update (emit_matmul.c) */
void emit_transpose(Em *e, int id);
int emit_permute_tiles(Em *e, int id); /* a permute that is a transpose, by register tiles; 0: not one */
void emit_row(Em *e, int id, int sib); /* K_ROW and K_XENT; a K_XENT with its rows' softmax (node sib), or -1 */
void emit_pick(Em *e, int id);
void emit_gather(Em *e, int id); /* K_GATHER: gather and scatter-add along an axis */
void emit_window(Em *e, int id);
/* Max pooling's adjoint (id), inlined into its elementwise user (plan.c's epilogue): the user's
 * block, each pixel's gradient going through the user's expression as it is stored */
void emit_pool_epilogue(Em *e, int id, int via, int user); /* user reads adjoint id through via */

/* ---- emit_api.c ---------------------------------------------------------------------------- */
int em_is_target(const Graph *g, int i);
/* The model function's parameters after the model pointer; with_outputs: 0 none, 1 the
 * model's outputs, 2 those and the per-sample losses. */
void em_fn_params(Em *e, FILE *f, int with_target, int with_outputs);
void em_name_io(Em *e);
const char *em_base_name(const char *path); /* after the last slash */
const char *em_node_name(Em *e, int id);     /* an activation's C name: net_4_relu, t17_xent */
const char *em_node_role(const Em *e, int id); /* "net.4 ReLU, backward": module and role */
const char *em_node_role_esc(const Em *e, int id, RtEsc ctx); /* ... escaped for ctx (a C string) */
void emit_header(Em *e, FILE *h, const char *hname);
void emit_init(Em *e);
void emit_tensor_table(Em *e);
void emit_checkpoint(Em *e, uint64_t hash);
void emit_consts(Em *e);
/* --openmp (emit_par): untimed first calls of a model function, its timed calls each way, the
 * model functions, the calls before it measures again, and before the first time */
enum { PAR_WARM = 16, PAR_SAMPLES = 8, PAR_FNS = 4, PAR_RETUNE = 4096, PAR_RECHECK = 256 };
void emit_par(Em *e);
int em_descriptor_input(const Em *e); /* the input RtNet describes; -1: no descriptor */
void emit_descriptor(Em *e);

#endif
