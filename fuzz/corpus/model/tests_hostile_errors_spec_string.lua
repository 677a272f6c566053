-- expect: spec_string.lua:2: the model file must return a spec table.*it returned string
return "return {}"
