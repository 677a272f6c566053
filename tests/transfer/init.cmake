# init.cmake - transfer learning with `dlc train --init` and module:freeze() (issue 11, item 4),
# on the 6x6 images of tests/train/data/bands-* with lenet6.lua (LeNet's shape, batch norm in
# the second convolution block):
#  1. src: lenet6 with a 4-way last layer, trained 3 epochs.
#  2. dst: lenet6 with a 3-way last layer, every module but the last frozen (-D freeze=1),
#     --init src, 2 epochs: the report lists the 12 tensors loaded (with shapes), the 2 skipped
#     (the last layer's, shape [4,16] and [4] in the file) and the 2 left at their initializer;
#     every frozen tensor, the batch norm's running statistics included, is byte-identical to
#     src's after training; the checkpoint holds optimizer state for the last layer only; the
#     last layer changed (against the same run with lr 1e-30, which leaves it at its
#     initializer); the test accuracy is >= 0.9.
#  3. the same without freeze=1: the first layers do change (so 2.'s check can fail).
#  4. refused: --init with --load (exit 2); a missing file, a file that is not safetensors, and
#     a checkpoint of another net from which nothing matches (exit 1, naming the file).
#  5. a PyTorch export (fixtures/lenet6_torch.safetensors, make_fixtures.py: num_batches_tracked
#     included, the last layer in F64) loads whole into lenet6 and, with --epochs 0, scores the
#     test set as PyTorch did: the same number correct, the loss within 2e-4.
# Gets -DDLC -DSRC (tests/transfer) -DWORK -DDLC_CACHE.
set(TRAIN_SRC ${SRC}/../train)
set(TRANSFER_SRC ${SRC})
set(SRC ${TRAIN_SRC})
include(${TRAIN_SRC}/common.cmake)
set(LENET ${TRANSFER_SRC}/lenet6.lua)
set(DATA_ARGS ${TRAIN_IDX} ${TEST_IDX} --seed 3)

# tensor_hex(<var> <file> <name>): the raw bytes of tensor <name> of a safetensors file, in hex
function(tensor_hex var path name)
  st_header(json ${path})
  file(READ ${path} len8 LIMIT 8 HEX) # the header's length (string(LENGTH) of the JSON is not it)
  set(hlen 0)
  foreach(i RANGE 14 0 -2)
    string(SUBSTRING "${len8}" ${i} 2 byte)
    math(EXPR hlen "${hlen} * 256 + 0x${byte}")
  endforeach()
  string(JSON b ERROR_VARIABLE e1 GET "${json}" "${name}" data_offsets 0)
  string(JSON e ERROR_VARIABLE e2 GET "${json}" "${name}" data_offsets 1)
  if(e1 OR e2)
    message(FATAL_ERROR "${path}: no tensor ${name}")
  endif()
  math(EXPR off "8 + ${hlen} + ${b}")
  math(EXPR n "${e} - ${b}")
  file(READ ${path} hex OFFSET ${off} LIMIT ${n} HEX)
  set(${var} "${hex}" PARENT_SCOPE)
endfunction()

# expect_tensors(same|differ <a> <b> names...)
function(expect_tensors how a b)
  foreach(name IN LISTS ARGN)
    tensor_hex(x ${a} ${name})
    tensor_hex(y ${b} ${name})
    if(how STREQUAL "same" AND NOT x STREQUAL y)
      message(FATAL_ERROR "${name} differs between ${a} and ${b}")
    elseif(how STREQUAL "differ" AND x STREQUAL y)
      message(FATAL_ERROR "${name} is the same in ${a} and ${b}, expected it to differ")
    endif()
  endforeach()
endfunction()

set(FROZEN net.0.weight net.0.bias net.3.weight net.3.bias net.4.weight net.4.bias
           net.4.running_mean net.4.running_var net.7.weight net.7.bias net.9.weight net.9.bias)
set(src ${WORK}/src.safetensors)
set(dst ${WORK}/dst.safetensors)
set(still ${WORK}/still.safetensors)
set(free ${WORK}/free.safetensors)
file(REMOVE ${src} ${dst} ${still} ${free})

# 1.
dlc_train(s 0 ${LENET} -D classes=4 ${DATA_ARGS} --epochs 3 --save ${src})

# 2.
dlc_train(d 0 ${LENET} -D freeze=1 ${DATA_ARGS} --epochs 2 --init ${src} --save ${dst})
expect_match("${d_out}" "init from [^\n]*src.safetensors: loaded 12 of the model's 14 tensors, skipped 2 of the file's [0-9]+, left 2 at their initializer\n" stdout)
expect_match("${d_out}" "\n  loaded 12: net.0.weight \\[4,1,3,3\\], net.0.bias \\[4\\], net.3.weight \\[8,4,3,3\\], net.3.bias \\[8\\], net.4.weight \\[8\\], net.4.bias \\[8\\], net.4.running_mean \\[8\\], net.4.running_var \\[8\\], net.7.weight \\[24,72\\], net.7.bias \\[24\\], net.9.weight \\[16,24\\], net.9.bias \\[16\\]\n" stdout)
expect_match("${d_out}" "\n  skipped 2: net.11.weight \\(shape \\[4,16\\] in the file, \\[3,16\\] in the model\\), net.11.bias \\(shape \\[4\\] in the file, \\[3\\] in the model\\)\n" stdout)
expect_match("${d_out}" "\n  left at their initializer 2: net.11.weight, net.11.bias\n" stdout)
expect_match("${d_out}" "\n  not used: the file's optimizer state \\([0-9]+ tensors\\): the optimizer starts fresh\n" stdout)
expect_tensors(same ${src} ${dst} ${FROZEN})
st_header(json ${dst})
expect_no_match("${json}" "\"optim\\.net\\.[0-9]\\." "dst's header (optimizer state of a frozen parameter)")
expect_match("${json}" "\"optim\\.net\\.11\\.weight\\.exp_avg\"" "dst's header")
expect_match("${json}" "\"optim\\.net\\.11\\.bias\\.exp_avg_sq\"" "dst's header")
dlc_train(z 0 ${LENET} -D freeze=1 -D lr=1e-30 ${DATA_ARGS} --epochs 2 --init ${src} --save ${still})
expect_tensors(same ${src} ${still} ${FROZEN})
expect_tensors(differ ${still} ${dst} net.11.weight net.11.bias)
string(REGEX MATCH "test: accuracy ([0-9.]+)" m "${d_out}")
if(NOT m OR CMAKE_MATCH_1 LESS 0.9)
  message(FATAL_ERROR "the fine-tuned net's test accuracy is below 0.9:\n${d_out}")
endif()
message(STATUS "frozen layers byte-identical, the new last layer trained: ${m}")

# 3.
dlc_train(f 0 ${LENET} ${DATA_ARGS} --epochs 1 --init ${src} --save ${free})
expect_tensors(differ ${src} ${free} net.0.weight net.7.weight net.4.running_mean)

# 4.
dlc_train(both 2 ${LENET} ${DATA_ARGS} --epochs 1 --init ${src} --load ${src})
expect_match("${both_err}" "--init and --load do not go together" stderr)
dlc_train(miss 1 ${LENET} ${DATA_ARGS} --epochs 1 --init ${WORK}/absent.safetensors)
expect_match("${miss_err}" "dlc train: [^\n]*absent.safetensors: cannot open" stderr)
dlc_train(junk 1 ${LENET} ${DATA_ARGS} --epochs 1 --init ${DATA}/blobs.csv)
expect_match("${junk_err}" "dlc train: [^\n]*blobs.csv: header length" stderr)
dlc_train(none 1 ${LENET} ${DATA_ARGS} --epochs 1 --init ${TRAIN_SRC}/fixtures/trained.safetensors)
expect_match("${none_err}" "dlc train: [^\n]*trained.safetensors: nothing to initialize from: none of the file's 8 tensors has the name and shape of one of the model's 14" stderr)
expect_no_match("${none_out}" "epoch 1/1" "stdout of a refused --init")

# 5.
set(torch ${TRANSFER_SRC}/fixtures/lenet6_torch.safetensors)
dlc_train(t 0 ${LENET} ${DATA_ARGS} --epochs 0 --init ${torch})
expect_match("${t_out}" "loaded 14 of the model's 14 tensors, skipped 1 of the file's 15, left 0 at their initializer\n" stdout)
expect_match("${t_out}" "\n  skipped 1: net.4.num_batches_tracked \\(not in the model\\)\n" stdout)
st_header(json ${torch})
string(JSON correct GET "${json}" __metadata__ test_correct)
string(JSON loss GET "${json}" __metadata__ test_loss)
string(REGEX MATCH "test: accuracy ([0-9.]+), loss ([0-9]+)\\.([0-9][0-9][0-9][0-9]) over 60 samples" m "${t_out}")
if(NOT m)
  message(FATAL_ERROR "no test score in\n${t_out}")
endif()
set(acc ${CMAKE_MATCH_1})
math(EXPR got_loss "${CMAKE_MATCH_2} * 10000 + 1${CMAKE_MATCH_3} - 10000") # the loss x 1e4
string(REGEX MATCH "^([0-9]+)\\.([0-9][0-9][0-9][0-9])([0-9])" lm "${loss}")
set(up 0)
if(CMAKE_MATCH_3 GREATER_EQUAL 5)
  set(up 1)
endif()
math(EXPR ref_loss "${CMAKE_MATCH_1} * 10000 + 1${CMAKE_MATCH_2} - 10000 + ${up}") # rounded as dlc prints it
string(REPLACE "." "" digits "${acc}") # "0.9667" -> 9667 ten-thousandths, times 60 samples
math(EXPR got_correct "((1${digits} - 100000) * 60 + 5000) / 10000")
math(EXPR dl "${got_loss} - ${ref_loss}")
if(NOT got_correct EQUAL correct OR dl GREATER 2 OR dl LESS -2)
  message(FATAL_ERROR "PyTorch's export scores ${got_correct}/60 with loss ${got_loss}e-4 in dlc, ${correct}/60 with loss ${loss} in PyTorch:\n${t_out}")
endif()
message(STATUS "PyTorch's export: ${correct}/60, loss ${loss} (dlc ${acc}, ${got_loss}e-4)")
