-- expect: error_escape_sequence.lua:3: clear\\x1B\[2J\\x1B\]0;owned\\x07 the screen
-- an error message cannot send escape sequences to the user's terminal
error("clear\27[2J\27]0;owned\7 the screen")
