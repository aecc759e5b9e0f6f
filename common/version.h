/* version: the build's version string, RTCGATE_VERSION ("git describe").
 *
 * The Makefile writes it into $(BUILD)/gen/rtcgate_version.h and rewrites
 * that file only when the version changes, so a new version rebuilds
 * exactly the files that include this header (a -D on the command line
 * rebuilt nothing, and the binaries reported stale versions).
 */
#ifndef RTCGATE_VERSION_H
#define RTCGATE_VERSION_H

#include "rtcgate_version.h"

#endif
