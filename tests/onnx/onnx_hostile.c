/* onnx_hostile.c - hostile ONNX files are refused with a clear message, never a crash.
 * Each case builds a small ModelProto with protobuf-c (x[2,3] -> Gemm(fc.weight, fc.bias) ->
 * Relu), breaks it one way, packs it and runs onnx_translate, which must fail (or succeed) with
 * the expected text in its messages.  Prints one line per case; exits 1 on a failure. */
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

/* Pack s (cut to keep bytes when keep > 0), translate; want_ok: success expected; want: text
 * the messages (on failure) or the model file (on success) must hold. */
static void check(const char *name, Model *s, size_t keep, int64_t batch, int want_ok, const char *want, const char *ban) {
  size_t n = onnx__model_proto__get_packed_size(&s->m);
  uint8_t *buf = malloc(n);
  onnx__model_proto__pack(&s->m, buf);
  if (keep) n = keep;
  char *msg = NULL;
  size_t len = 0;
  FILE *errs = open_memstream(&msg, &len);
  OnnxOptions o = {batch, 0};
  OnnxResult r;
  int rc = onnx_translate(buf, n, "h.onnx", "h", "h.safetensors", &o, &r, errs);
  fclose(errs);
  const char *text = rc ? msg : r.lua;
  int ok = (rc == 0) == want_ok && strstr(text, want) && (!ban || !strstr(text, ban));
  printf("%s %-18s %s", ok ? "ok  " : "FAIL", name, rc ? msg : "(translated)\n");
  if (!ok && !rc) printf("%s", r.lua);
  failures += !ok;
  if (!rc) onnx_result_free(&r);
  free(msg), free(buf);
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
  base(&s), s.w.n_float_data = 5, check("short data", &s, 0, 0, 0, "tensor \"fc.weight\": 5 values for a shape of 6", NULL);
  base(&s), s.w.data_type = 11, check("wrong type", &s, 0, 0, 0, "data type 11: only FLOAT (1) and INT64 (7)", NULL);
  base(&s), s.in.name = s.n0in[0] = "end", check("keyword input", &s, 0, 0, 1, "local input1 = dlc.input(\"input1\"", NULL);
  return failures != 0;
}
