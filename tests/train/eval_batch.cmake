# eval_batch.cmake: evaluation does not depend on the batch size.  A net frozen in effect
# (-D lr=1e-30: the SGD updates are far below the parameters' ulp) at its seeded initial
# parameters is scored at batch 16, 7 and 1: the train (180), validation (60) and test (60)
# losses, accuracies and the confusion matrix must print identically.  180 and 60 are no
# multiples of 16 or 7, so the batched runs pad their last batch and must mask the padding; at
# batch 1 nothing is padded.  (zscore and seed 3 give an initial net whose predictions and
# losses vary between samples, so a padding row counted, or a real row dropped, shows.)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

set(common ${BANDS} ${TRAIN_IDX} ${TEST_IDX} -D lr=1e-30 --epochs 2 --seed 3 --val-split 0.25
           --normalize zscore)
foreach(b 16 7 1)
  dlc_train(r 0 ${common} --batch ${b})
  expect_match("${r_out}" "split: 180 training, 60 validation samples; normalize: zscore" stdout)
  # the scores: epoch lines without their timing, the test line, the confusion matrix
  string(REGEX REPLACE "note: [^\n]*\n" "" s "${r_out}")
  string(REGEX REPLACE "  [0-9.]+ s\n" "\n" s "${s}")
  string(REGEX MATCH "\nepoch 1/2.*" s "${s}")
  if(NOT s)
    message(FATAL_ERROR "no epoch lines at batch ${b}:\n${r_out}")
  endif()
  set(scores_${b} "${s}")
  confusion_total(cm "${r_out}")
  if(NOT cm EQUAL 60)
    message(FATAL_ERROR "batch ${b}: the confusion matrix counts ${cm} samples, the test set has 60:\n${r_out}")
  endif()
endforeach()
message(STATUS "scores:${scores_16}")
foreach(b 7 1)
  if(NOT scores_${b} STREQUAL scores_16)
    message(FATAL_ERROR "the scores at batch ${b} differ from batch 16's:\n--- batch 16${scores_16}\n--- batch ${b}${scores_${b}}")
  endif()
endforeach()
# the frozen net scores the same in both epochs: the parameters did not move
if(NOT scores_16 MATCHES "\nepoch 1/2 ([^\n]*)\nepoch 2/2 ([^\n]*)\n" OR NOT CMAKE_MATCH_1 STREQUAL CMAKE_MATCH_2)
  message(FATAL_ERROR "the frozen net's scores changed between epochs:${scores_16}")
endif()
