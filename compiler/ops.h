/* ops.h - the one op table of the dlc IR (an X-macro, included with OP defined).
 *
 *   OP(ID, "name", arity, kind, flags, attrs, "C expression", fold)
 *
 * kind     how a node is shaped, scheduled and emitted (OpKind in ir.h)
 * flags    OF_NODIFF  no gradient flows through it: a parameter's gradient needing one is an
 *                     error at the op's model line
 *          OF_LEAF    storage owned by the model or the caller, never computed
 *          OF_AB      elementwise with scalar attributes a, b (built by ir_unary_ab)
 * attrs    what the dumps print after the inputs: text with $a and $b (the node's scalar
 *          attributes), $axis, $dim (axis + 1), $classes, $perm, $nograd, $window and $pool (dump.c)
 * C expr   elementwise ops (K_E1, K_E2): the value as C, with $1 and $2 the operands, $a and $b
 *          the node's bounds (literals), $f "f" for a float net and "" for double (expf/exp);
 *          helpers named dlc_* live in runtime/dlc_kernel.h.  NULL for other kinds.
 * fold     elementwise ops: the value as a C expression of doubles x (and y), for constant
 *          folding (opt_simplify.c); NAN: never folded.
 *
 * Adding an op:
 *   - elementwise (K_E1, K_E2): its row here (expression and fold; OF_AB and $a/$b when it
 *     takes scalar attributes, built by ir_unary_ab), its VJP in autodiff.c
 *     (a case in `vjp`, or OF_NODIFF), a helper in runtime/dlc_kernel.h when the expression is
 *     not plain C, and its name in the model language (dsl/nn.lua or dsl/dlc.lua; `dlc.unary`
 *     and `dlc.binary` reach every elementwise op by its name).  Nothing else: shape rules,
 *     fusion, planning, emission and dumps follow from the kind.
 *   - another kind: its row; a constructor in ir.c (the shape rule) with its declaration in
 *     ir.h; its VJP; its case in the emitter's `emit_node` (emit_c.c), in the kind's part.
 *     The compiler's -Wswitch names every switch that lacks the new op or kind, and
 *     tests/unit/test_ops.c fails until the op is built, differentiated, emitted and dumped. */

/* leaves */
OP(INPUT,       "input",       0, K_LEAF,    OF_LEAF,           "",                   NULL,                        NAN) /* a caller's input tensor (x, target) */
OP(OUTPUT,      "output",      0, K_LEAF,    OF_LEAF,           "",                   NULL,                        NAN) /* a caller's output buffer, written by assign */
OP(PARAM,       "param",       0, K_LEAF,    OF_LEAF,           "",                   NULL,                        NAN) /* a learnable parameter (model slab) */
OP(STATE,       "state",       0, K_LEAF,    OF_LEAF,           "",                   NULL,                        NAN) /* optimizer state of a parameter */
OP(GRAD,        "grad",        0, K_LEAF,    OF_LEAF,           "",                   NULL,                        NAN) /* gradient slot of a parameter */
OP(CONST,       "const",       0, K_CONST,   0,                 "",                   NULL,                        NAN) /* scalar constant, broadcast by its users */
OP(RAND,        "rand",        0, K_RAND,    OF_NODIFF,         "{stream=$axis}",     NULL,                        NAN) /* uniform [0,1) per element and training step; axis = stream */
/* elementwise, one input */
OP(NEG,         "neg",         1, K_E1,      0,                 "",                   "(-$1)",                     -x)
OP(EXP,         "exp",         1, K_E1,      0,                 "",                   "dlc_exp$f($1)",             exp(x))
OP(LOG,         "log",         1, K_E1,      0,                 "",                   "log$f($1)",                 log(x))
OP(SQRT,        "sqrt",        1, K_E1,      0,                 "",                   "sqrt$f($1)",                sqrt(x))
OP(ABS,         "abs",         1, K_E1,      0,                 "",                   "fabs$f($1)",                fabs(x))
OP(TANH,        "tanh",        1, K_E1,      0,                 "",                   "dlc_tanh$f($1)",            tanh(x))
OP(ERF,         "erf",         1, K_E1,      0,                 "",                   "dlc_erf$f($1)",             erf(x))
OP(SIGMOID,     "sigmoid",     1, K_E1,      0,                 "",                   "dlc_sigmoid$f($1)",         1 / (1 + exp(-x)))
OP(RELU,        "relu",        1, K_E1,      0,                 "",                   "dlc_relu$f($1)",            x > 0 ? x : 0)
OP(SOFTPLUS,    "softplus",    1, K_E1,      OF_AB,             "{threshold=$a}",     "dlc_softplus$f($1, $a)",    NAN) /* x > a ? x : log(1 + exp(x)) */
OP(CLAMP,       "clamp",       1, K_E1,      OF_AB,             "{min=$a, max=$b}",   "dlc_clamp$f($1, $a, $b)",   NAN) /* a = lo, b = hi */
OP(STEP,        "step",        1, K_E1,      OF_NODIFF,         "",                   "dlc_step$f($1)",            x > 0) /* x > 0 ? 1 : 0 */
OP(SIGN,        "sign",        1, K_E1,      OF_NODIFF,         "",                   "dlc_sign$f($1)",            (x > 0) - (x < 0)) /* -1, 0, 1 */
OP(INRANGE,     "inrange",     1, K_E1,      OF_NODIFF | OF_AB, "{min=$a, max=$b}",   "dlc_inrange$f($1, $a, $b)", NAN) /* a <= x <= b ? 1 : 0 */
/* elementwise, two inputs, NumPy broadcasting */
OP(ADD,         "add",         2, K_E2,      0,                 "",                   "($1 + $2)",                 x + y)
OP(SUB,         "sub",         2, K_E2,      0,                 "",                   "($1 - $2)",                 x - y)
OP(MUL,         "mul",         2, K_E2,      0,                 "",                   "($1 * $2)",                 x * y)
OP(DIV,         "div",         2, K_E2,      0,                 "",                   "($1 / $2)",                 x / y)
OP(POW,         "pow",         2, K_E2,      0,                 "",                   "pow$f($1, $2)",             pow(x, y)) /* x^2: dlc_sq */
/* shape movers */
OP(BROADCAST,   "broadcast",   1, K_BCAST,   0,                 "",                   NULL,                        NAN) /* to node shape */
OP(RESHAPE,     "reshape",     1, K_RESHAPE, 0,                 "",                   NULL,                        NAN) /* a view: same data, node shape */
OP(TRANSPOSE,   "transpose",   1, K_TRANSP,  0,                 "",                   NULL,                        NAN) /* 2-D */
OP(PERMUTE,     "permute",     1, K_PERMUTE, 0,                 "{dims=$perm}",       NULL,                        NAN) /* a view: out dim i is input dim attr[i] */
OP(SLICE,       "slice",       1, K_SHIFT,   0,                 "{dim=$dim, start=$start}", NULL,                  NAN) /* a view: elements attr[0].. of axis, node shape */
OP(PAD,         "pad",         1, K_SHIFT,   0,                 "{dim=$dim, at=$start}", NULL,                     NAN) /* its adjoint: the input placed at attr[0] of axis, zeros around */
/* sliding windows (convolution and pooling), attributes in attr[] indexed by WA_* (ir.h) */
OP(WINDOW,      "window",      1, K_WINDOW,  0,                 "$window",            NULL,                        NAN) /* [N,C,H,W] -> the windows, im2col */
OP(UNWINDOW,    "unwindow",    1, K_WINDOW,  0,                 "$window",            NULL,                        NAN) /* its adjoint: windows summed back, col2im */
OP(MAXPOOL,     "max_pool",    1, K_WINDOW,  0,                 "$pool",              NULL,                        NAN) /* [N,C,H,W] -> [N,C,OH,OW], each window's max; padding never wins */
OP(MAXPOOL_BACK,"max_pool_backward", 2, K_WINDOW, OF_NODIFF,    "$pool",              NULL,                        NAN) /* max_pool's adjoint: in[1] (the pooled gradient) added at the first max of in[0]'s window */
/* reductions and row-wise ops along `axis` */
OP(SUM_TO,      "sum_to",      1, K_REDUCE,  0,                 "",                   NULL,                        NAN) /* sum down to node shape (broadcast-compatible) */
OP(MAX,         "max",         1, K_REDUCE,  0,                 "{dim=$dim}",         NULL,                        NAN) /* max along axis, kept as size 1 */
OP(ARGMAX_MASK, "argmax_mask", 1, K_ROW,     OF_NODIFF,         "{dim=$dim}",         NULL,                        NAN) /* 1 at the first maximum along axis */
OP(SOFTMAX,     "softmax",     1, K_ROW,     0,                 "{dim=$dim}",         NULL,                        NAN)
OP(LOG_SOFTMAX, "log_softmax", 1, K_ROW,     0,                 "{dim=$dim}",         NULL,                        NAN)
/* indexing with int32 tensors (index in[1], broadcast to the node shape) */
OP(GATHER,      "gather",      2, K_GATHER,  0,                 "{dim=$dim$nograd}",       NULL,                        NAN) /* out[..i..] = x[..idx[..i..]..] along axis (torch.gather); 0 out of range */
OP(SCATTER,     "scatter_add", 2, K_GATHER,  0,                 "{dim=$dim$nograd}",       NULL,                        NAN) /* its adjoint: zeros of node shape, in[0] added at idx along axis */
/* linear algebra */
OP(MATMUL,      "matmul",      2, K_MATMUL,  0,                 "",                   NULL,                        NAN) /* ta, tb: operand transposed (printed ^T) */
/* classification */
OP(ONEHOT,      "onehot",      1, K_ONEHOT,  OF_NODIFF,         "{classes=$classes}", NULL,                        NAN) /* int [N] -> [N, classes] */
OP(PICK,        "pick",        2, K_PICK,    0,                 "",                   NULL,                        NAN) /* x[i, t[i]] */
OP(XENT,        "xent",        2, K_XENT,    0,                 "",                   NULL,                        NAN) /* fused softmax + cross-entropy per row */
/* the model's two passes: resolved (ir_resolve_phases) before any pass, never emitted */
OP(PHASE,       "phase",       2, K_PHASE,   0,                 "",                   NULL,                        NAN) /* in[0] in the training step, in[1] in inference */
/* side effect */
OP(ASSIGN,      "assign",      2, K_ASSIGN,  0,                 "",                   NULL,                        NAN) /* store input 1 into leaf input 0 */
