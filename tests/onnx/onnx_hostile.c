/* onnx_hostile.c - hostile ONNX files are refused with a clear message, never a crash.
 * Each case builds a small ModelProto with protobuf-c (x[2,3] -> Gemm(fc.weight, fc.bias) ->
 * Relu), breaks it one way, packs it and runs onnx_translate, which must fail (or succeed) with
 * the expected text in its messages.  The nesting cases are written as wire bytes by hand (see
 * deep_model): packing 100000 nested structs with protobuf-c would recurse as deep as unpacking.
 * Prints one line per case; exits 1 on a failure. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"
#include "onnx_import.h"

static int failures;
static float wdata[6] = {1, 2, 3, 4, 5, 6}, bdata[2] = {0.5f, -0.5f};
static int64_t wdims[2] = {2, 3}, bdims[1] = {2};

typedef struct {
  Onnx__ModelProto m;
  Onnx__OperatorSetIdProto ops, *opsp;
  Onnx__GraphProto g;
  Onnx__TensorProto w, b, *inits[2];
  Onnx__ValueInfoProto in, out, *ins, *outs;
  Onnx__TypeProto ty;
  Onnx__TypeProto__Tensor tt;
  Onnx__TensorShapeProto sh;
  Onnx__TensorShapeProto__Dimension d0, d1, *dims[2];
  Onnx__NodeProto n0, n1, *nodes[2];
  char *n0in[3], *n0out[1], *n1in[1], *n1out[1];
  Onnx__AttributeProto tb, *tbp;
} Model;

static void base(Model *s) {
  memset(s, 0, sizeof *s);
  onnx__model_proto__init(&s->m), onnx__operator_set_id_proto__init(&s->ops), onnx__graph_proto__init(&s->g);
  s->ops.has_version = 1, s->ops.version = 13, s->opsp = &s->ops;
  s->m.n_opset_import = 1, s->m.opset_import = &s->opsp, s->m.graph = &s->g;
  onnx__tensor_proto__init(&s->w), onnx__tensor_proto__init(&s->b);
  s->w.name = "fc.weight", s->w.n_dims = 2, s->w.dims = wdims, s->w.has_data_type = 1, s->w.data_type = 1;
  s->w.n_float_data = 6, s->w.float_data = wdata;
  s->b.name = "fc.bias", s->b.n_dims = 1, s->b.dims = bdims, s->b.has_data_type = 1, s->b.data_type = 1;
  s->b.n_float_data = 2, s->b.float_data = bdata;
  s->inits[0] = &s->w, s->inits[1] = &s->b, s->g.n_initializer = 2, s->g.initializer = s->inits;
  onnx__value_info_proto__init(&s->in), onnx__type_proto__init(&s->ty), onnx__type_proto__tensor__init(&s->tt);
  onnx__tensor_shape_proto__init(&s->sh);
  onnx__tensor_shape_proto__dimension__init(&s->d0), onnx__tensor_shape_proto__dimension__init(&s->d1);
  s->d0.value_case = s->d1.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
  s->d0.dim_value = 2, s->d1.dim_value = 3, s->dims[0] = &s->d0, s->dims[1] = &s->d1;
  s->sh.n_dim = 2, s->sh.dim = s->dims, s->tt.has_elem_type = 1, s->tt.elem_type = 1, s->tt.shape = &s->sh;
  s->ty.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE, s->ty.tensor_type = &s->tt;
  s->in.name = "x", s->in.type = &s->ty, s->ins = &s->in, s->g.n_input = 1, s->g.input = &s->ins;
  onnx__value_info_proto__init(&s->out);
  s->out.name = "y", s->outs = &s->out, s->g.n_output = 1, s->g.output = &s->outs;
  onnx__node_proto__init(&s->n0), onnx__node_proto__init(&s->n1), onnx__attribute_proto__init(&s->tb);
  s->tb.name = "transB", s->tb.has_i = 1, s->tb.i = 1, s->tbp = &s->tb;
  s->n0in[0] = "x", s->n0in[1] = "fc.weight", s->n0in[2] = "fc.bias", s->n0out[0] = "h";
  s->n0.name = "/fc/Gemm", s->n0.op_type = "Gemm", s->n0.n_input = 3, s->n0.input = s->n0in;
  s->n0.n_output = 1, s->n0.output = s->n0out, s->n0.n_attribute = 1, s->n0.attribute = &s->tbp;
  s->n1in[0] = "h", s->n1out[0] = "y";
  s->n1.name = "/Relu", s->n1.op_type = "Relu", s->n1.n_input = 1, s->n1.input = s->n1in;
  s->n1.n_output = 1, s->n1.output = s->n1out;
  s->nodes[0] = &s->n0, s->nodes[1] = &s->n1, s->g.n_node = 2, s->g.node = s->nodes;
}

/* Translate buf[0..n); want_ok: success expected; want: text the messages (on failure) or the
 * model file (on success) must hold; ban: text neither may hold. */
static const char *shape; /* --shape NAME=DIMS for the next checks, or NULL */

static void check_bytes(const char *name, const uint8_t *buf, size_t n, int64_t batch, int want_ok, const char *want,
                        const char *ban) {
  char *msg = NULL;
  size_t len = 0;
  FILE *errs = open_memstream(&msg, &len);
  OnnxOptions o = {batch, 0, shape ? &shape : NULL, shape != NULL};
  OnnxResult r;
  int rc = onnx_translate(buf, n, "h.onnx", "h", "h.safetensors", &o, &r, errs);
  fclose(errs);
  const char *text = rc ? msg : r.lua;
  int ok = (rc == 0) == want_ok && strstr(text, want) && (!ban || !strstr(text, ban));
  printf("%s %-18s %s", ok ? "ok  " : "FAIL", name, rc ? msg : "(translated)\n");
  if (!ok && !rc) printf("%s", r.lua);
  failures += !ok;
  if (!rc) onnx_result_free(&r);
  free(msg);
}

/* Pack s (cut to keep bytes when keep > 0) and check it. */
static void check(const char *name, Model *s, size_t keep, int64_t batch, int want_ok, const char *want, const char *ban) {
  size_t n = onnx__model_proto__get_packed_size(&s->m);
  uint8_t *buf = malloc(n);
  onnx__model_proto__pack(&s->m, buf);
  check_bytes(name, buf, keep ? keep : n, batch, want_ok, want, ban);
  free(buf);
}

/* ---- deeply nested models, as wire bytes written back to front ---- */

typedef struct {
  uint8_t *b;
  size_t cap, pos; /* the message so far is b[pos..cap) */
} Rev;

static void put(Rev *r, const void *p, size_t n) {
  if (n > r->pos) fprintf(stderr, "onnx_hostile: deep_model buffer too small\n"), exit(2);
  r->pos -= n;
  memcpy(r->b + r->pos, p, n);
}

static void put_varint(Rev *r, uint64_t v) {
  uint8_t t[10];
  size_t k = 0;
  do t[k++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)); while (v >>= 7);
  put(r, t, k);
}

/* Field num (length-delimited) holding p[0..n), before what is written. */
static void put_field(Rev *r, int num, const void *p, size_t n) {
  put(r, p, n), put_varint(r, n), put_varint(r, (uint64_t)num << 3 | 2);
}

/* Everything written so far becomes the payload of field num. */
static void wrap(Rev *r, int num) { put_varint(r, r->cap - r->pos), put_varint(r, (uint64_t)num << 3 | 2); }

/* A ModelProto (ir_version 8, opset 13) nested levels deep.  types 0: its graph's node is an If
 * whose then_branch graph holds an If whose then_branch ... (3 messages a level: GraphProto,
 * NodeProto, AttributeProto); the innermost graph is empty: 2 + 3 * levels messages deep.  types 1:
 * its graph's input x has the type sequence(sequence(...(tensor(float, shape {})))) (2 a level:
 * TypeProto, TypeProto.Sequence): ModelProto, GraphProto, ValueInfoProto, TypeProto, then
 * 2 * levels, then TypeProto.Tensor and TensorShapeProto: 6 + 2 * levels deep. */
static uint8_t *deep_model(int levels, int types, size_t *n) {
  Rev r = {NULL, (size_t)levels * 40 + 256, 0};
  r.pos = r.cap;
  if (!(r.b = malloc(r.cap))) exit(2);
  if (types) put_field(&r, 1, "\x08\x01\x12\x00", 4); /* TypeProto.tensor_type {elem_type FLOAT, shape {}} */
  for (int i = 0; i < levels; i++) {
    if (types) {
      wrap(&r, 1), wrap(&r, 4); /* Sequence.elem_type, TypeProto.sequence_type */
      continue;
    }
    wrap(&r, 6), put(&r, "\xa0\x01\x05", 3); /* AttributeProto.g, .type GRAPH (field 20) */
    put_field(&r, 1, "then_branch", 11), wrap(&r, 5); /* .name; NodeProto.attribute */
    put_field(&r, 4, "If", 2), wrap(&r, 1); /* .op_type; GraphProto.node */
  }
  if (types) wrap(&r, 2), put_field(&r, 1, "x", 1), wrap(&r, 11); /* ValueInfoProto.type, .name; GraphProto.input */
  wrap(&r, 7), put_field(&r, 8, "\x10\x0d", 2), put(&r, "\x08\x08", 2); /* .graph, .opset_import, .ir_version */
  *n = r.cap - r.pos;
  memmove(r.b, r.b + r.pos, *n);
  return r.b;
}

static void check_deep(const char *name, int levels, int types, const char *want, const char *ban) {
  size_t n;
  uint8_t *buf = deep_model(levels, types, &n);
  check_bytes(name, buf, n, 0, 0, want, ban);
  free(buf);
}

int main(void) {
  Model s;
  base(&s), check("base", &s, 0, 0, 1, "nn.Linear(3, 2, {name = \"fc\"})(x)", NULL);
  base(&s), check("truncated", &s, 40, 0, 0, "h.onnx: not an ONNX model: the protobuf data is truncated", NULL);
  base(&s), s.n1in[0] = "nope", check("undefined input", &s, 0, 0, 0, "h.onnx: node 1 (\"/Relu\"): input \"nope\" is not", NULL);
  base(&s), s.n0in[0] = "y", check("cycle", &s, 0, 0, 0, "node 0 (\"/fc/Gemm\"): input \"y\" is not a graph input", NULL);
  int64_t huge[2] = {2, (int64_t)1 << 40};
  base(&s), s.w.dims = huge, check("huge dims", &s, 0, 0, 0, "tensor \"fc.weight\": dimension 1 is 1099511627776", NULL);
  base(&s), s.w.has_data_location = 1, s.w.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
  check("external data", &s, 0, 0, 0, "tensor \"fc.weight\" has external data", NULL);
  base(&s), s.n0.op_type = "Foo", s.n1.op_type = "Bar";
  check("unsupported 1", &s, 0, 0, 0, "node 0 (\"/fc/Gemm\"): unsupported op Foo", NULL);
  check("unsupported 2", &s, 0, 0, 0, "node 1 (\"/Relu\"): unsupported op Bar\nh.onnx: 2 nodes", NULL);
  base(&s), s.n1.name = "a\"b\n\033[31m]]--", s.n1.op_type = "Nope";
  check("name in message", &s, 0, 0, 0, "(\"a\"b\\x0A\\x1B[31m]]--\")", "\033");
  base(&s), s.n1.name = "a\"b\n\033[31m]]--";
  check("name in model", &s, 0, 0, 1, "-- node 1 \"a\"b\\x0A\\x1B[31m]]--\": Relu\n", "\033");
  base(&s), s.d0.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM, s.d0.dim_param = "batch";
  check("dynamic batch", &s, 0, 0, 0, "input \"x\": dimension 0 is dynamic (\"batch\"): dlc compiles static shapes; give --batch B", NULL);
  check("--batch 5", &s, 0, 5, 1, "dlc.input(\"x\", {5, 3})", NULL);
  shape = "x=4,3", check("--shape", &s, 0, 0, 1, "dlc.input(\"x\", {4, 3})", NULL);
  shape = "x=4,2", check("--shape static", &s, 0, 0, 0, "--shape x: dimension 1 is 3 in the file, 2 given", NULL);
  shape = "x=4", check("--shape rank", &s, 0, 0, 0, "--shape x: 1 dimensions given, the input has 2", NULL);
  shape = "x=4,0", check("--shape zero", &s, 0, 0, 0, "--shape x=4,0: the dims must be 1 to 8 sizes", NULL);
  shape = "y=4,3", check("--shape other", &s, 0, 0, 0, "give --batch B or --shape x=D1,D2,...", NULL);
  shape = NULL;
  base(&s), s.tt.elem_type = 7;
  check("int input", &s, 0, 0, 0, "node 0 (\"/fc/Gemm\"): Gemm: input 0 is an integer input: dlc takes those only as Gather's indices", NULL);
  base(&s), s.tt.elem_type = 11, check("double input", &s, 0, 0, 0, "input \"x\" has element type 11: only FLOAT (1), and INT64", NULL);
  base(&s), s.w.n_float_data = 5, check("short data", &s, 0, 0, 0, "tensor \"fc.weight\": 5 values for a shape of 6", NULL);
  base(&s), s.w.data_type = 11, check("wrong type", &s, 0, 0, 0, "data type 11: only FLOAT (1) and INT64 (7)", NULL);
  base(&s), s.n0in[1] = "", check("empty B of Gemm", &s, 0, 0, 0, "node 0 (\"/fc/Gemm\"): Gemm: input 1 is required but its name is empty", NULL);
  base(&s), s.in.name = s.n0in[0] = "end", check("keyword input", &s, 0, 0, 1, "local input1 = dlc.input(\"input1\"", NULL);
  /* the ops on shapes and tensors: node 1 becomes OP(h [, k]) with an ints attribute, k an INT64
   * initializer */
  Onnx__AttributeProto at, *atp = &at;
  Onnx__TensorProto k;
  Onnx__TensorProto *inits3[3];
  int64_t kval[2] = {5, 1}, kdims[1] = {2}, ints[2];
  char *in2[2] = {"h", "k"};
#define OP1(OP, NAME, A, B, NIN, KN)                                                                \
  base(&s), onnx__attribute_proto__init(&at), onnx__tensor_proto__init(&k);                       \
  at.name = NAME, at.n_ints = 2, at.ints = ints, ints[0] = A, ints[1] = B;                         \
  k.name = "k", k.has_data_type = 1, k.data_type = 7, k.n_dims = KN, k.dims = kdims;               \
  k.n_int64_data = KN ? 2 : 1, k.int64_data = kval;                                               \
  inits3[0] = &s.w, inits3[1] = &s.b, inits3[2] = &k, s.g.initializer = inits3, s.g.n_initializer = 3; \
  s.n1.op_type = OP, s.n1.n_input = NIN, s.n1.input = in2, s.n1.n_attribute = NAME ? 1 : 0, s.n1.attribute = &atp
  OP1("Transpose", "perm", 0, 0, 1, 1), check("transpose perm", &s, 0, 0, 0, "node 1 (\"/Relu\"): Transpose: perm is not a permutation of 0..1", NULL);
  OP1("Transpose", "perm", 1, 0, 1, 1), check("transpose", &s, 0, 0, 1, "t0:permute(2, 1)", NULL);
  OP1("Gather", NULL, 0, 0, 2, 0), check("gather range", &s, 0, 0, 0, "Gather: index 5 is out of range for size 2", NULL);
  kval[0] = -1;
  OP1("Gather", NULL, 0, 0, 2, 0), check("gather select", &s, 0, 0, 1, "t0:select(1, 2)", NULL);
  OP1("Gather", NULL, 0, 0, 2, 1), check("gather list", &s, 0, 0, 1, "dlc.cat({t0:narrow(1, 2, 1), t0:narrow(1, 2, 1)}, 1)", NULL);
  OP1("Unsqueeze", "axes", 0, 0, 1, 1), check("unsqueeze twice", &s, 0, 0, 0, "Unsqueeze: axis 0 given twice", NULL);
  OP1("Unsqueeze", "axes", 7, 0, 1, 1), check("unsqueeze range", &s, 0, 0, 0, "Unsqueeze: axis 7 is out of range for rank 4", NULL);
  OP1("Squeeze", "axes", 0, 1, 1, 1), check("squeeze size", &s, 0, 0, 0, "Squeeze: dimension 0 has size 2, not 1", NULL);
  OP1("Cast", NULL, 0, 0, 1, 1), at.name = "to", at.has_i = 1, at.i = 11, s.n1.n_attribute = 1;
  check("cast", &s, 0, 0, 0, "Cast from type 1 to 11: only a Cast that changes nothing", NULL);
  OP1("Relu", NULL, 0, 0, 1, 1), in2[0] = "k", check("relu of ints", &s, 0, 0, 0, "Relu of INT64 values is not supported", NULL);
  in2[0] = "h";
  OP1("Concat", "axis", 0, 0, 2, 1), at.n_ints = 0, at.has_i = 1, at.i = 0;
  check("concat mixed", &s, 0, 0, 0, "Concat of INT64 values and tensors", NULL);
  OP1("Softmax", NULL, 0, 0, 1, 1), s.ops.version = 11, at.name = "axis", at.n_ints = 0, at.has_i = 1, at.i = 0, s.n1.n_attribute = 1;
  check("softmax opset 11", &s, 0, 0, 0, "Softmax before opset 13 flattens the dims from axis on", NULL);
  OP1("Split", "split", 1, 2, 1, 1), check("split sizes", &s, 0, 0, 0, "Split: 2 sizes for 1 outputs", NULL);
  { /* 20 Splits in a chain: each output an expression of the one before, longer than any
     * fixed buffer would hold (the last one is "t0" and 20 narrows) */
    enum { CHAIN = 20 };
    Onnx__NodeProto sp[CHAIN], *chain[CHAIN + 1];
    char names[CHAIN + 1][8], *sin[CHAIN], *sout[CHAIN];
    base(&s), chain[0] = &s.n0;
    for (int i = 0; i < CHAIN; i++) {
      onnx__node_proto__init(&sp[i]);
      snprintf(names[i], sizeof names[i], "s%d", i);
      sin[i] = i ? names[i - 1] : "h", sout[i] = i == CHAIN - 1 ? "y" : names[i];
      sp[i].name = "/Split", sp[i].op_type = "Split", sp[i].n_input = 1, sp[i].input = &sin[i];
      sp[i].n_output = 1, sp[i].output = &sout[i], chain[i + 1] = &sp[i];
    }
    s.g.n_node = CHAIN + 1, s.g.node = chain;
    char want[CHAIN * 20 + 8] = "t0";
    for (int i = 0; i < CHAIN; i++) strcat(want, ":narrow(1, 1, 2)");
    check("split chain", &s, 0, 0, 1, want, NULL);
  }
  OP1("ReduceMax", "axes", 1, 1, 1, 1), check("reducemax twice", &s, 0, 0, 0, "ReduceMax: axis 1 given twice", NULL);
  OP1("ReduceMax", "axes", 1, 0, 1, 1), check("reducemax", &s, 0, 0, 1, "t0:max(1, true):max(2, true)", NULL);
  kval[0] = 3, kval[1] = 1;
  OP1("Reshape", NULL, 0, 0, 2, 1), check("reshape ints", &s, 0, 0, 0, "Reshape: the new shape does not hold the input's 4 elements", NULL);
  /* local functions (PyTorch 2.x): node 1 calls local.Act(h) -> y, whose body is
   * LeakyRelu(X) -> Y with alpha from the call's attribute "slope" */
  Onnx__FunctionProto fp, *fpp = &fp;
  Onnx__NodeProto fbody, *fbodyp = &fbody, fself, *fselfp = &fself;
  Onnx__AttributeProto ref, *refp = &ref, slope, *slopep = &slope;
  char *fin[1] = {"X"}, *fout[1] = {"Y"};
  onnx__function_proto__init(&fp), onnx__node_proto__init(&fbody), onnx__attribute_proto__init(&ref);
  onnx__attribute_proto__init(&slope), onnx__node_proto__init(&fself);
  fp.name = "Act", fp.domain = "local", fp.n_input = 1, fp.input = fin, fp.n_output = 1, fp.output = fout;
  fp.n_node = 1, fp.node = &fbodyp;
  fbody.name = "leaky", fbody.op_type = "LeakyRelu", fbody.n_input = 1, fbody.input = fin, fbody.n_output = 1, fbody.output = fout;
  ref.name = "alpha", ref.ref_attr_name = "slope", fbody.n_attribute = 1, fbody.attribute = &refp;
  slope.name = "slope", slope.has_f = 1, slope.f = 0.25f;
#define CALL()                                                                                     \
  base(&s), s.m.n_functions = 1, s.m.functions = &fpp, s.n1.op_type = "Act", s.n1.domain = "local", \
            s.n1.n_attribute = 1, s.n1.attribute = &slopep
  CALL(), check("function", &s, 0, 0, 1, "nn.LeakyReLU(0.25)(t0)  -- node 1 \"/Relu/leaky\": LeakyRelu", NULL);
  CALL(), s.n1.n_attribute = 0, check("function default", &s, 0, 0, 1, "nn.LeakyReLU(0.01)(t0)", NULL);
  fself = fbody, fself.op_type = "Act", fself.domain = "local", fself.n_attribute = 0, fp.node = &fselfp;
  CALL(), check("function recursion", &s, 0, 0, 0, "h.onnx: local function Act calls functions more than 16 deep (or itself)", NULL);
  fp.node = &fbodyp, fp.domain = "other";
  CALL(), check("function domain", &s, 0, 0, 0, "node 1 (\"/Relu\"): op Act of domain \"local\": only the default ONNX domain", NULL);
  const char *deep = "h.onnx: not accepted: protobuf messages nested more than 64 deep (ONNX subgraphs inside subgraphs";
  check_deep("subgraphs 100000", 100000, 0, deep, NULL);
  check_deep("subgraphs 21 (65)", 21, 0, deep, NULL);
  check_deep("subgraphs 20 (62)", 20, 0, "h.onnx: the graph has no input", "nested");
  check_deep("types 100000", 100000, 1, deep, NULL);
  check_deep("types 30 (66)", 30, 1, deep, NULL);
  check_deep("types 29 (64)", 29, 1, "input \"x\" is not a tensor of known rank", "nested");
  return failures != 0;
}
