-- expect: error_table.lua:2: error object is a table, not a message
error({})
