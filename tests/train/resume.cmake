# resume.cmake: training resumes bit for bit.  (--epochs 2 --save a) and (--epochs 1 --save b;
# --load b --epochs 1 --save c) give byte-identical checkpoints a and c (the metadata holds
# only deterministic values: epoch, step, seed, split, normalization), and b differs from a.
#  plain: the defaults (shuffled, validation split 0.1, scale), --load given nothing else;
#  meta:  --seed 5 --val-split 0.2 --normalize zscore --augment hflip, resumed with only
#         --augment hflip: the seed, the split and the zscore statistics come back from b's
#         metadata (the augmentation is not recorded: it must be given again).
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

foreach(variant plain meta)
  if(variant STREQUAL "plain")
    set(first "")
    set(again "")
  else()
    set(first --seed 5 --val-split 0.2 --normalize zscore --augment hflip)
    set(again --augment hflip)
  endif()
  set(a ${WORK}/${variant}-a.safetensors)
  set(b ${WORK}/${variant}-b.safetensors)
  set(c ${WORK}/${variant}-c.safetensors)
  file(REMOVE ${a} ${b} ${c})
  dlc_train(two 0 ${BANDS} ${TRAIN_IDX} --epochs 2 --save ${a} ${first})
  dlc_train(one 0 ${BANDS} ${TRAIN_IDX} --epochs 1 --save ${b} ${first})
  dlc_train(res 0 ${BANDS} ${TRAIN_IDX} --epochs 1 --load ${b} --save ${c} ${again})
  expect_match("${res_out}" "resumed [^\n]*${variant}-b.safetensors: 1 epochs, 1[23] steps done\n" stdout)
  expect_match("${res_out}" "\nepoch 2/2 " stdout)
  expect_no_match("${res_out}" "\nepoch 1/" stdout)
  # the resumed run's second epoch scores exactly as the straight run's
  string(REGEX MATCH "\nepoch 2/2[^\n]*acc [0-9.]+  " s2 "${two_out}")
  string(REGEX MATCH "\nepoch 2/2[^\n]*acc [0-9.]+  " sr "${res_out}")
  if(NOT s2 OR NOT s2 STREQUAL sr)
    message(FATAL_ERROR "epoch 2 scores differ:\nstraight:${s2}\nresumed:${sr}")
  endif()
  if(variant STREQUAL "meta")
    expect_match("${res_out}" "split: 192 training, 48 validation samples; normalize: zscore" stdout)
  endif()
  expect_different_file(${a} ${b})
  expect_same_file(${a} ${c})
  message(STATUS "${variant}: 2 epochs == 1 + save + load + 1, bit for bit")
endforeach()
