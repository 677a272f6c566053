# extras.cmake: --plot, --augment hflip, --normalize zscore, and the checkpoint's metadata.
#  images: --plot writes a complete SVG; hflip and zscore train; the checkpoint's metadata
#    (the safetensors header, JSON after an 8-byte length) holds the epoch, seed, split, the
#    normalization kind and its 36 per-pixel shifts and divisors.
#  CSV: zscore of the 4 features; the class names (a string label column) are in the metadata.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(svg ${WORK}/curves.svg)
set(ck ${WORK}/bands.safetensors)
file(REMOVE ${svg} ${ck})
dlc_train(r 0 ${BANDS} ${TRAIN_IDX} ${TEST_IDX} --epochs 2 --plot ${svg} --augment hflip --normalize zscore
          --seed 9 --save ${ck})
expect_match("${r_out}" "split: 216 training, 24 validation samples; normalize: zscore\n" stdout)
expect_match("${r_out}" "\nepoch 2/2 " stdout)
expect_match("${r_out}" "\ncurves: [^\n]*curves.svg\n" stdout)
file(READ ${svg} s)
expect_match("${s}" "^<\\?xml[^\n]*\n<svg " ${svg})
expect_match("${s}" "</svg>\n?$" ${svg})
expect_match("${s}" "<title>bands</title>" ${svg})

st_header(h ${ck})
message(STATUS "metadata: ${h}")
foreach(kv "\"dlc.epoch\":\"2\"" "\"dlc.seed\":\"9\"" "\"dlc.val_split\":\"0.10000000000000001\""
           "\"dlc.model\":\"bands\"" "\"dlc.norm\":\"zscore\"" "\"dlc.graph_hash\":\"[0-9a-f]+\"")
  expect_match("${h}" "${kv}" "${ck}'s header")
endforeach()
foreach(key dlc.norm.shift dlc.norm.div)
  if(NOT h MATCHES "\"${key}\":\"([^\"]*)\"")
    message(FATAL_ERROR "no ${key} in ${h}")
  endif()
  string(REPLACE "," ";" values "${CMAKE_MATCH_1}")
  list(LENGTH values n)
  if(NOT n EQUAL 36)
    message(FATAL_ERROR "${key} holds ${n} values, expected one per pixel (36): ${CMAKE_MATCH_1}")
  endif()
endforeach()
# the statistics are the training rows' (pixels 0..255: means near 100, deviations near 60)
if(NOT h MATCHES "\"dlc.norm.shift\":\"([0-9.]+),")
  message(FATAL_ERROR "no first shift")
endif()
if(CMAKE_MATCH_1 LESS 80 OR CMAKE_MATCH_1 GREATER 130)
  message(FATAL_ERROR "the first pixel's mean is ${CMAKE_MATCH_1}, expected about 100")
endif()

set(ck2 ${WORK}/blobs.safetensors)
dlc_train(c 0 ${BLOBS} --csv ${DATA}/blobs.csv --label kind --test ${DATA}/blobs-test.csv --epochs 2
          --normalize zscore --save ${ck2})
expect_match("${c_out}" "normalize: zscore\n" stdout)
expect_match("${c_out}" "true\\\\pred alpha  beta gamma" stdout)
st_header(h2 ${ck2})
expect_match("${h2}" "\"dlc.norm\":\"zscore\"" "${ck2}'s header")
expect_match("${h2}" "\"dlc.norm.shift\":\"[-0-9.e]+,[-0-9.e]+,[-0-9.e]+,[-0-9.e]+\"" "${ck2}'s header")
expect_match("${h2}" "\"dlc.classes\":\"alpha(\\\\n|\\\\u000a)beta(\\\\n|\\\\u000a)gamma\"" "${ck2}'s header") # JSON escapes the newlines
