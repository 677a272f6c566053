/* dlc_text.h - the one rule for text that came from a file dlc does not trust (a model, a data
 * file, a checkpoint) on its way into a file or a terminal: escape it for the context it lands
 * in, or make a C identifier of it.  The compiler (generated C, headers, dumps, DOT) and the
 * runtime (safetensors JSON, SVG, terminal reports) both print such text only through here.
 *
 * Every escaper is total (any bytes in, well-formed text out) and, where the context can hold
 * every byte, lossless:
 *   RT_ESC_C_STRING   inside "..." of C source: printable ASCII but " \ ? as is, everything
 *                     else as a 3-digit octal escape, so the literal holds exactly the input's
 *                     bytes and the output is pure ASCII (no trigraph, no line splice).
 *   RT_ESC_C_COMMENT  inside a C block comment: no "*" "/" pair in either order (a space goes
 *                     between them), no control character (\xNN instead), invalid UTF-8 bytes as
 *                     \xNN; well-formed UTF-8 stays readable.  Lossy, for people.
 *   RT_ESC_JSON       inside "..." of JSON: " and \ escaped, control characters as \u00XX,
 *                     invalid UTF-8 bytes as U+FFFD.
 *   RT_ESC_XML        XML/SVG character data or attribute values: & < > " ' as entities; the
 *                     control characters (which XML 1.0 forbids or normalizes), DEL, U+FFFE,
 *                     U+FFFF and each invalid UTF-8 byte as '?'.
 *   RT_ESC_DOT        inside "..." of Graphviz DOT: " and \ escaped (so no \N, \G, \l
 *                     substitutions happen), newline as \n, other controls and invalid UTF-8
 *                     bytes as '?'.
 *   RT_ESC_TERM       text for a terminal or a log: control characters (but newline and tab),
 *                     DEL, the C1 controls and invalid UTF-8 bytes as \xNN, so no escape
 *                     sequence reaches the terminal.
 *   RT_ESC_LINE       the same inside a one-line message: newline and tab as \xNN too. */
#ifndef DLC_TEXT_H
#define DLC_TEXT_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  RT_ESC_C_STRING,  /* C string literal contents */
  RT_ESC_C_COMMENT, /* C block comment contents */
  RT_ESC_JSON,      /* JSON string contents */
  RT_ESC_XML,       /* XML text or attribute value */
  RT_ESC_DOT,       /* Graphviz quoted string contents */
  RT_ESC_TERM,      /* terminal / log text */
  RT_ESC_LINE       /* RT_ESC_TERM on one line: newline and tab escaped too */
} RtEsc;

/* s[0..n) escaped for ctx into dst (at most cap bytes with the terminating NUL, as snprintf);
 * returns the length the whole escaped text needs, without the NUL. */
size_t rt_escape_n(char *dst, size_t cap, const char *s, size_t n, RtEsc ctx);
/* The NUL-terminated s escaped for ctx in a new malloc'd string; NULL only when out of memory. */
char *rt_escape(const char *s, RtEsc ctx);
/* Write s escaped for ctx to f; 0 on success, EOF on a write error. */
int rt_fputs_escaped(const char *s, RtEsc ctx, FILE *f);

/* s as quoted in a one-line message: escaped for it (RT_ESC_LINE) and cut, with
 * "...", so that it fits in cap bytes (cap >= 4) with the NUL; a character or an escape is never
 * cut in two.  Returns buf. */
const char *rt_shown(char *buf, size_t cap, const char *s);

/* A C identifier made from s in a new malloc'd string: every byte but [A-Za-z0-9_] becomes '_',
 * and '_' goes in front of a leading digit (or of nothing).  Different names can give the same
 * identifier: callers that need distinct ones make them unique themselves. */
char *rt_c_ident(const char *s);

#ifdef __cplusplus
}
#endif
#endif
