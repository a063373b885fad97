#ifndef REPRISE_GNUPLOT_SHIM_H
#define REPRISE_GNUPLOT_SHIM_H

/// gnuplot driven through gnuplot-iostream (Debian's libgnuplot-iostream-dev), behind a C API that
/// Swift imports. The library keeps the pipe; the shim adds what the suite needs from it: the
/// working folder the script's file names are relative to, and gnuplot's exit status and error text.

#ifdef __cplusplus
extern "C" {
#endif

/// Sends `script` to a gnuplot started in `directory` and waits for it to finish. gnuplot's standard
/// error goes to `error_path` and its exit status to `status_path` (files the caller reads and
/// removes). Returns gnuplot's exit status, or -1 when the pipe could not be opened or the status
/// not read (the reason is then in `error_path` where possible).
int reprise_gnuplot_run(const char *script, const char *directory, const char *error_path, const char *status_path);

#ifdef __cplusplus
}
#endif

#endif
