/* DELTACKPT_EXPORT: marks what the shared library exports. Valid C and C++.
 *
 * The library is compiled with hidden visibility (-fvisibility=hidden), so
 * only declarations marked DELTACKPT_EXPORT are visible outside
 * libdeltackpt.so: every public class and function, and the C API. Internal
 * code (deltackpt::detail, src/) and the template instances it uses
 * (nlohmann::json, dtl) stay private to the library. The same objects make
 * up libdeltackpt.a, where the marking changes nothing for the program that
 * links them.
 *
 * Define DELTACKPT_EXPORT yourself (e.g. empty) before including any
 * deltackpt header to override. */
#pragma once

#if !defined(DELTACKPT_EXPORT)
#if defined(__GNUC__) || defined(__clang__)
#define DELTACKPT_EXPORT __attribute__((visibility("default")))
#else
/* Only ELF and Mach-O toolchains (GCC, Clang) are supported for the shared
 * library; a DLL build would need __declspec(dllexport/dllimport) here. */
#define DELTACKPT_EXPORT
#endif
#endif
