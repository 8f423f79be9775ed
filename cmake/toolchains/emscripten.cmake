# The Emscripten toolchain of the `browser` preset: finds an Emscripten installation and hands
# over to its own CMake platform file (Modules/Platform/Emscripten.cmake), which sets emcc/em++.
# The first of these that is set wins:
#
#   - EMSCRIPTEN_ROOT, a cache variable or in the environment: the folder holding emcc and cmake/
#     (emsdk: <emsdk>/upstream/emscripten; Debian: /usr/share/emscripten);
#   - EMSDK in the environment (set by emsdk_env.sh): <EMSDK>/upstream/emscripten;
#   - EMSCRIPTEN in the environment (older emsdk and some distributions);
#   - Debian's package (`apt-get install emscripten`): /usr/share/emscripten.
#
# Debian's emcc also needs NODE_PATH=/usr/share/nodejs (the preset sets it); emsdk's does not.
foreach(var EMSCRIPTEN_ROOT)
  if(NOT DEFINED ${var} AND DEFINED ENV{${var}} AND NOT "$ENV{${var}}" STREQUAL "")
    set(${var} "$ENV{${var}}")
  endif()
endforeach()
if(NOT EMSCRIPTEN_ROOT)
  if(DEFINED ENV{EMSDK} AND NOT "$ENV{EMSDK}" STREQUAL "")
    set(EMSCRIPTEN_ROOT "$ENV{EMSDK}/upstream/emscripten")
  elseif(DEFINED ENV{EMSCRIPTEN} AND NOT "$ENV{EMSCRIPTEN}" STREQUAL "")
    set(EMSCRIPTEN_ROOT "$ENV{EMSCRIPTEN}")
  else()
    set(EMSCRIPTEN_ROOT /usr/share/emscripten)
  endif()
endif()
# Cached, so that a re-configure without the environment keeps the same Emscripten; try_compile
# projects re-read this file and get the same root.
set(EMSCRIPTEN_ROOT "${EMSCRIPTEN_ROOT}" CACHE PATH "Emscripten's folder (emcc, cmake/)")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES EMSCRIPTEN_ROOT)

set(sy_emscripten_platform ${EMSCRIPTEN_ROOT}/cmake/Modules/Platform/Emscripten.cmake)
if(NOT EXISTS ${sy_emscripten_platform})
  message(FATAL_ERROR "No Emscripten at '${EMSCRIPTEN_ROOT}' (${sy_emscripten_platform} is "
                      "missing). Set EMSCRIPTEN_ROOT or EMSDK, or apt-get install emscripten.")
endif()
include(${sy_emscripten_platform})
