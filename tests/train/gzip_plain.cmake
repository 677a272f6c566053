# gzip_plain.cmake: the gzipped and the plain IDX files are the same data: training on either
# gives byte-identical checkpoints.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
dlc_train(gz 0 ${BANDS} ${TRAIN_IDX} --epochs 1 --save ${WORK}/gz.safetensors)
dlc_train(pl 0 ${BANDS} ${TRAIN_IDX_PLAIN} --epochs 1 --save ${WORK}/plain.safetensors)
expect_match("${gz_out}" "train: 240 samples of 36 values from [^\n]*bands-train-images-idx3-ubyte.gz\n" stdout)
expect_match("${pl_out}" "train: 240 samples of 36 values from [^\n]*bands-train-images-idx3-ubyte\n" stdout)
expect_same_file(${WORK}/gz.safetensors ${WORK}/plain.safetensors)
