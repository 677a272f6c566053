# bad_data.cmake: bad data, files and options are refused with a message that names the file:
# exit 1 (2 for command-line errors), nothing trained, no crash.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(TESTS_DATA ${SRC}/../data) # tests/data: the loaders' fixtures

# refuse(<status> <stderr regex> ARGS...)
function(refuse status regex)
  dlc_train(r ${status} ${ARGN})
  expect_match("${r_err}" "${regex}" stderr)
  expect_no_match("${r_out}" "\nepoch " stdout)
endfunction()

# images of the wrong size for the model: training set, test set
refuse(1 "bands5x5-images-idx3-ubyte: images are 5x5 = 25 values, the model's input takes 36"
       ${BANDS} --idx ${DATA}/bands5x5-images-idx3-ubyte ${DATA}/bands5x5-labels-idx1-ubyte)
refuse(1 "bands5x5-images-idx3-ubyte: images are 5x5 = 25 values, the model's input takes 36"
       ${BANDS} ${TRAIN_IDX} --test ${DATA}/bands5x5-images-idx3-ubyte ${DATA}/bands5x5-labels-idx1-ubyte)
# a label out of range (sample 17's label is 7; the model has 3 classes)
refuse(1 "bands-badlabel-labels-idx1-ubyte: sample 17 \\(from 0\\) has label 7, but the model has 3 classes"
       ${BANDS} --idx ${DATA}/bands-train-images-idx3-ubyte ${DATA}/bands-badlabel-labels-idx1-ubyte)
# images and labels that do not pair up
refuse(1 "bands-test-labels-idx1-ubyte: 60 labels, but [^\n]*bands-train-images-idx3-ubyte has 240 images"
       ${BANDS} --idx ${DATA}/bands-train-images-idx3-ubyte ${DATA}/bands-test-labels-idx1-ubyte)
# truncated and corrupt files (tests/data)
refuse(1 "trunc-images-idx3-ubyte: truncated"
       ${BANDS} --idx ${TESTS_DATA}/trunc-images-idx3-ubyte ${TESTS_DATA}/labels9-idx1-ubyte)
refuse(1 "crc-images-idx3-ubyte.gz: corrupt gzip data"
       ${BANDS} --idx ${TESTS_DATA}/crc-images-idx3-ubyte.gz ${TESTS_DATA}/labels9-idx1-ubyte)
# missing files: images, labels, test set, CSV, checkpoint, model
refuse(1 "no-such-images: cannot open: No such file or directory"
       ${BANDS} --idx ${DATA}/no-such-images ${DATA}/bands-train-labels-idx1-ubyte)
refuse(1 "no-such-labels: cannot open: No such file or directory"
       ${BANDS} --idx ${DATA}/bands-train-images-idx3-ubyte ${DATA}/no-such-labels)
refuse(1 "no-such-test-images: cannot open"
       ${BANDS} ${TRAIN_IDX} --test ${DATA}/no-such-test-images ${DATA}/bands-test-labels-idx1-ubyte)
refuse(1 "no-such.csv: cannot open" ${BLOBS} --csv ${DATA}/no-such.csv --label kind)
refuse(1 "no-such.safetensors: cannot open" ${BANDS} ${TRAIN_IDX} --load ${WORK}/no-such.safetensors)
refuse(1 "no-such.lua: cannot open the model file" ${WORK}/no-such.lua ${TRAIN_IDX})
# a file that is not a checkpoint
refuse(1 "blobs.csv: header length [0-9]+ is over" ${BANDS} ${TRAIN_IDX} --load ${DATA}/blobs.csv)
# CSV: no --label (usage), an unknown column, too few features for the model, an IDX file as
# the CSV test set, hflip of a non-image
refuse(2 "--csv needs --label COL" ${BLOBS} --csv ${DATA}/blobs.csv)
refuse(1 "blobs.csv: no column named 'species'; the header is: x1, x2, kind, x3, x4"
       ${BLOBS} --csv ${DATA}/blobs.csv --label species)
refuse(1 "blobs.csv: samples have 4 features, the model's input takes 36"
       ${BANDS} --csv ${DATA}/blobs.csv --label kind)
refuse(1 "bands-test-images-idx3-ubyte: line 1: a NUL byte: not a text file"
       ${BLOBS} --csv ${DATA}/blobs.csv --label kind --test ${DATA}/bands-test-images-idx3-ubyte)
refuse(1 "--augment hflip needs an image input" ${BLOBS} --csv ${DATA}/blobs.csv --label kind --augment hflip)
# usage errors
refuse(2 "--test with --idx needs IMAGES and LABELS" ${BANDS} ${TRAIN_IDX} --test ${DATA}/bands-test-images-idx3-ubyte)
refuse(2 "--epochs takes a count >= 0" ${BANDS} ${TRAIN_IDX} --epochs x)
refuse(2 "--val-split takes a fraction in \\[0, 1\\)" ${BANDS} ${TRAIN_IDX} --val-split 1)
refuse(2 "unknown option --frobnicate" ${BANDS} ${TRAIN_IDX} --frobnicate)
refuse(2 "no model file given" ${TRAIN_IDX})
