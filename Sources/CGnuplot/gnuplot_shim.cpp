#include "gnuplot_shim.h"

#include <fstream>
#include <string>

#include <gnuplot-iostream.h>

namespace {
/// A path in single quotes for sh (every ' closed, escaped and reopened).
std::string quoted(const std::string &path) {
    std::string out = "'";
    for (char c : path) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}
}  // namespace

extern "C" int reprise_gnuplot_run(const char *script, const char *directory, const char *error_path,
                                   const char *status_path) {
    // popen runs the command through sh: gnuplot reads the pipe as its standard input; the exit
    // status is written by the shell, since gnuplot-iostream's pclose keeps it to itself.
    const std::string command = "cd " + quoted(directory) + " && gnuplot 2> " + quoted(error_path)
        + "; echo $? > " + quoted(status_path);
    try {
        Gnuplot gp(command);
        gp << script;
        gp.flush();
    } catch (const std::exception &e) {  // the pipe could not be opened
        std::ofstream(error_path) << "gnuplot-iostream: " << e.what() << "\n";
        return -1;
    }
    // The Gnuplot object has closed the pipe (pclose waits for the shell), so the status is written.
    std::ifstream status(status_path);
    int code = -1;
    if (!(status >> code)) return -1;
    return code;
}
