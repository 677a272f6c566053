# train.cmake: dlc train with a schedule (run/bands_*.lua on tests/train's bands data).
#  resume: 4 epochs straight == 2 + save + load + 2, byte for byte, with StepLR (stepped every
#          epoch) and OneCycleLR (every batch, total_steps = the model's epochs x the run's
#          steps); the checkpoint holds optim.lr; the resumed run prints the straight run's rates.
#  rates:  StepLR{step_size = 1, gamma = 0.5} from 0.02 prints 0.02, 0.01, 0.005, 0.0025.
#  total:  OneCycleLR without total_steps or epochs takes the first run's length (2 epochs),
#          keeps it in the checkpoint (dlc.total_steps), and a resumed run that would go past it
#          is refused.
include(${SRC}/common.cmake)
set(RUN ${SCHED}/run)

foreach(v step onecycle)
  set(m ${RUN}/bands_${v}.lua)
  set(a ${WORK}/${v}-a.safetensors)
  set(b ${WORK}/${v}-b.safetensors)
  set(c ${WORK}/${v}-c.safetensors)
  file(REMOVE ${a} ${b} ${c})
  dlc_train(four 0 ${m} ${TRAIN_IDX} --epochs 4 --save ${a})
  dlc_train(two 0 ${m} ${TRAIN_IDX} --epochs 2 --save ${b})
  dlc_train(res 0 ${m} ${TRAIN_IDX} --epochs 2 --load ${b} --save ${c})
  expect_match("${res_out}" "\nepoch 3/4 " stdout)
  # the rates of epochs 3 and 4 as the straight run printed them
  string(REGEX MATCH "\nepoch 3/4 [^\n]*\n  lr [^\n]*\nepoch 4/4 [^\n]*\n  lr [^\n]*" s "${four_out}")
  string(REGEX MATCH "\nepoch 3/4 [^\n]*\n  lr [^\n]*\nepoch 4/4 [^\n]*\n  lr [^\n]*" r "${res_out}")
  string(REGEX REPLACE "  [0-9.]+ s\n" "\n" s "${s}")
  string(REGEX REPLACE "  [0-9.]+ s\n" "\n" r "${r}")
  if(NOT s OR NOT s STREQUAL r)
    message(FATAL_ERROR "${v}: epochs 3 and 4 differ:\nstraight:${s}\nresumed:${r}")
  endif()
  expect_different_file(${a} ${b})
  expect_same_file(${a} ${c})
  st_header(h ${c})
  expect_match("${h}" "\"optim.lr\":{\"dtype\":\"F32\",\"shape\":\\[\\]" "${c}'s header")
  message(STATUS "${v}: 4 epochs == 2 + save + load + 2, bit for bit")
endforeach()
expect_match("${four_out}" "schedule: OneCycleLR, stepped every batch, total_steps 52\n" stdout)

dlc_train(rates 0 ${RUN}/bands_step.lua ${TRAIN_IDX} --epochs 4)
expect_match("${rates_out}" "schedule: StepLR, stepped every epoch\n" stdout)
expect_match("${rates_out}" "\nepoch 1/4 [^\n]*\n  lr 0.02\nepoch 2/4 [^\n]*\n  lr 0.01\nepoch 3/4 [^\n]*\n  lr 0.005\nepoch 4/4 [^\n]*\n  lr 0.0025\n" stdout)

set(t ${WORK}/total.safetensors)
file(REMOVE ${t})
dlc_train(first 0 ${RUN}/bands_onecycle_run.lua ${TRAIN_IDX} --epochs 2 --save ${t})
expect_match("${first_out}" "total_steps 26\n" stdout)
st_header(h ${t})
expect_match("${h}" "\"dlc.total_steps\":\"26\"" "${t}'s header")
dlc_train(past 1 ${RUN}/bands_onecycle_run.lua ${TRAIN_IDX} --epochs 1 --load ${t})
expect_match("${past_err}" "dlc train: OneCycleLR: this run ends after 39 optimizer steps \\(3 epochs of 13\\), past the schedule's total_steps 26 \\(from the run that wrote the checkpoint\\)" stderr)
