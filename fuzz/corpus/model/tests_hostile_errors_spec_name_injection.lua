-- expect: spec_name_injection.lua:3: spec.name must be a C identifier \(letters, digits, _\), got x \*/ abort\(\); /\*
local nn = require "nn"
return { name = "x */ abort(); /*", input = {2, 2}, net = nn.Linear(2, 2) }
