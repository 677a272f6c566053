-- expect: spec_number.lua:2: the model file must return a spec table, e.g. return {input = ..., net = ...}; it returned number
return 42
