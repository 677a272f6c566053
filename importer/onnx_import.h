/* onnx_import.h - dlc import: an ONNX model (a ModelProto, as torch.onnx.export writes it)
 * becomes a dlc model file in the functional style plus its weights as safetensors.
 *
 * The file is hostile until checked: its protobuf messages nested at most 64 deep (checked on
 * the wire format before protobuf-c's recursive unpacking); size, node, initializer, dimension,
 * element and name limits; no external data; every node input defined before it is used (graph inputs,
 * initializers, earlier node outputs: topological order, so no cycle gets through); static
 * shapes (a dynamic batch dimension only with --batch); supported types (FLOAT tensors,
 * INT64 shape constants).  Unsupported ops are all listed at once.  Every string from the
 * file that reaches the model file is validated (state_dict names, C identifiers) or escaped
 * (comments); every message names the file and the node: `m.onnx: node 3 ("/fc1/Gemm"): ...`. */
#ifndef DLC_ONNX_IMPORT_H
#define DLC_ONNX_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dlc_rt.h"

typedef struct {
  int64_t batch;          /* --batch B: the value of a dynamic first dimension of an input; 0: none */
  size_t max_file_bytes;  /* 0: ONNX_MAX_FILE_BYTES */
  const char *const *shapes; /* --shape NAME=DIMS: an input's whole shape, dims split by ',' or 'x' */
  int nshapes;
} OnnxOptions;

#define ONNX_MAX_FILE_BYTES ((size_t)1 << 30) /* 1 GiB: protobuf's own 2 GiB ceiling, halved */

typedef struct {
  char *lua;         /* the model file's text, NUL-terminated (malloc'd) */
  RtTensor *params;  /* the weights, F32, named as in the model file (names and data malloc'd) */
  int nparams;
} OnnxResult;

/* Translate the ONNX bytes buf[0..n), read from path (for messages).  model_name (a C
 * identifier) becomes the spec's name, weights_name the file the comment tells to load.
 * 0 on success (*r filled; free it with onnx_result_free), else 1 with every error written to
 * errs (one line each; errs may be NULL) and *r empty. */
int onnx_translate(const uint8_t *buf, size_t n, const char *path, const char *model_name,
                   const char *weights_name, const OnnxOptions *o, OnnxResult *r, FILE *errs);
void onnx_result_free(OnnxResult *r);
/* onnx_translate of the file in (read as a regular file of at most max_file_bytes). */
int onnx_translate_file(const char *in, const char *model_name, const char *weights_name, const OnnxOptions *o,
                        OnnxResult *r, FILE *errs);

/* dlc import: read in, write out_lua and its weights beside it (out_lua with .lua replaced by
 * .safetensors), both atomically.  Returns the exit status (0, or 1 with messages on errs). */
int onnx_import_file(const char *in, const char *out_lua, const OnnxOptions *o, FILE *errs);

#endif
