/* ops.h - the one op table of the dlc IR (an X-macro, included with OP defined).
 *
 *   OP(ID, "name", arity, kind, flags)
 *
 * kind says how a node is shaped, scheduled and emitted (see OpKind in ir.h); flags:
 *   OF_NODIFF  no gradient flows through it: a parameter's gradient needing one is an error
 *   OF_LEAF    storage owned by the model or the caller, never computed
 * Shape rules live in ir.c, VJP rules in autodiff.c, emitters in emit_c.c, each a switch on
 * the op; adding an op means one line here and one case in each of those switches. */

/* leaves */
OP(INPUT,     "input",      0, K_LEAF,   OF_LEAF)   /* a caller's input tensor (x, target) */
OP(OUTPUT,    "output",     0, K_LEAF,   OF_LEAF)   /* a caller's output buffer, written by assign */
OP(PARAM,     "param",      0, K_LEAF,   OF_LEAF)   /* a learnable parameter (model slab) */
OP(STATE,     "state",      0, K_LEAF,   OF_LEAF)   /* optimizer state of a parameter */
OP(GRAD,      "grad",       0, K_LEAF,   OF_LEAF)   /* gradient slot of a parameter */
OP(CONST,     "const",      0, K_CONST,  0)         /* scalar constant, broadcast by its users */
OP(RAND,      "rand",       0, K_RAND,   OF_NODIFF) /* uniform [0,1) per element and training step; axis = stream */
/* elementwise, one input */
OP(NEG,       "neg",        1, K_E1,     0)
OP(EXP,       "exp",        1, K_E1,     0)
OP(LOG,       "log",        1, K_E1,     0)
OP(SQRT,      "sqrt",       1, K_E1,     0)
OP(ABS,       "abs",        1, K_E1,     0)
OP(TANH,      "tanh",       1, K_E1,     0)
OP(SIGMOID,   "sigmoid",    1, K_E1,     0)
OP(RELU,      "relu",       1, K_E1,     0)
OP(CLAMP,     "clamp",      1, K_E1,     0)         /* a = lo, b = hi */
OP(STEP,      "step",       1, K_E1,     OF_NODIFF) /* x > 0 ? 1 : 0 */
OP(SIGN,      "sign",       1, K_E1,     OF_NODIFF) /* -1, 0, 1 */
OP(INRANGE,   "inrange",    1, K_E1,     OF_NODIFF) /* a <= x <= b ? 1 : 0 */
/* elementwise, two inputs, NumPy broadcasting */
OP(ADD,       "add",        2, K_E2,     0)
OP(SUB,       "sub",        2, K_E2,     0)
OP(MUL,       "mul",        2, K_E2,     0)
OP(DIV,       "div",        2, K_E2,     0)
OP(POW,       "pow",        2, K_E2,     0)
/* shape movers */
OP(BROADCAST, "broadcast",  1, K_BCAST,  0)         /* to node shape */
OP(RESHAPE,   "reshape",    1, K_RESHAPE,0)         /* a view: same data, node shape */
OP(TRANSPOSE, "transpose",  1, K_TRANSP, 0)         /* 2-D */
OP(PERMUTE,   "permute",    1, K_PERMUTE,0)         /* a view: out dim i is input dim attr[i] */
/* sliding windows (convolution and pooling), attributes in attr[] indexed by WA_* (ir.h) */
OP(WINDOW,    "window",     1, K_WINDOW, 0)         /* [N,C,H,W] -> the windows, im2col */
OP(UNWINDOW,  "unwindow",   1, K_WINDOW, 0)         /* its adjoint: windows summed back, col2im */
/* reductions and row-wise ops along `axis` */
OP(SUM_TO,    "sum_to",     1, K_REDUCE, 0)         /* sum down to node shape (broadcast-compatible) */
OP(MAX,       "max",        1, K_REDUCE, 0)         /* max along axis, kept as size 1 */
OP(ARGMAX_MASK,"argmax_mask",1,K_ROW,    OF_NODIFF) /* 1 at the first maximum along axis */
OP(SOFTMAX,   "softmax",    1, K_ROW,    0)
OP(LOG_SOFTMAX,"log_softmax",1,K_ROW,    0)
/* linear algebra */
OP(MATMUL,    "matmul",     2, K_MATMUL, 0)         /* ta, tb: operand transposed */
/* classification */
OP(ONEHOT,    "onehot",     1, K_ONEHOT, OF_NODIFF) /* int [N] -> [N, classes] */
OP(PICK,      "pick",       2, K_PICK,   0)         /* x[i, t[i]] */
OP(XENT,      "xent",       2, K_XENT,   0)         /* fused softmax + cross-entropy per row */
/* side effect */
OP(ASSIGN,    "assign",     2, K_ASSIGN, 0)         /* store input 1 into leaf input 0 */
