# binary.cmake: a sigmoid/BCE binary classifier reports accuracy (and a 2x2 confusion matrix on
# the test set), with BCELoss on probabilities and BCEWithLogitsLoss on logits (loans.lua on
# data/loans.csv); unnormalized features on scales 1000x apart get a hint naming the columns,
# and a loss that does not move over 3 epochs another.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(M ${SRC}/loans.lua)
set(CSV --csv ${DATA}/loans.csv --label repaid)

dlc_train(a 0 ${M} ${CSV} --epochs 4 --normalize zscore --test ${DATA}/loans.csv)
expect_match("${a_out}" "binary classifier: accuracy of the probability > 0.5 against targets >= 0.5\n" stdout)
expect_match("${a_out}" "\nepoch 4/4  train loss [0-9.]+ acc 0\\.9[0-9]+  val loss [0-9.]+ acc (0\\.9|1\\.0)" stdout)
expect_match("${a_out}" "\ntest: accuracy 0\\.9[0-9]+, loss" stdout)
confusion_total(n "${a_out}")
if(NOT n EQUAL 200 OR NOT n_rows EQUAL 2)
  message(FATAL_ERROR "the confusion matrix counts ${n} samples in ${n_rows} rows, expected 200 in 2")
endif()
expect_no_match("${a_out}" "hint:" stdout)

dlc_train(b 0 ${M} ${CSV} --epochs 3 --normalize zscore -D logits=1)
expect_match("${b_out}" "binary classifier: accuracy of the logit > 0 against targets >= 0.5\n" stdout)
expect_match("${b_out}" "\nepoch 3/3  train loss [0-9.]+ acc 0\\.9" stdout)

dlc_train(c 0 ${M} ${CSV} --epochs 3)
expect_match("${c_out}" "\nhint: the features' scales differ [0-9]+x: column 2 \\('years'\\) spans 39\\.9, column 1 \\('income'\\) spans [0-9.e+]+; [^\n]*try --normalize zscore\n" stdout)
expect_match("${c_out}" "\nhint: the training loss has not changed in 3 epochs \\([0-9.]+\\): nothing is learning" stdout)
