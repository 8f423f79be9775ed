# The wasm32-wasi toolchain of the `worker` preset; the edge worker imports the result as a
# WebAssembly.Module. Two layouts, chosen by where the WASI SDK is:
#
#   - an upstream WASI SDK (https://github.com/WebAssembly/wasi-sdk release): set WASI_SDK_PREFIX,
#     as a cache variable (-DWASI_SDK_PREFIX=/opt/wasi-sdk) or in the environment; clang, the
#     binutils and the sysroot (libc and libc++) all come from that one folder;
#   - otherwise Debian's packages (clang-16 lld-16 wasi-libc libc++-16-dev-wasm32
#     libc++abi-16-dev-wasm32 libclang-rt-16-dev-wasm32): the tools are clang-<N>, llvm-ar-<N>...
#     from PATH, the sysroot is /usr and libc++ lives under /usr/lib/llvm-<N>. SY_WASI_LLVM_VERSION
#     (cache or environment, default 16) picks <N>.
#
# WASI_SYSROOT (cache or environment) overrides the sysroot in either layout.
set(CMAKE_SYSTEM_NAME Generic)          # CMake 3.25 has no WASI platform module; Generic + flags is enough
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(SY_WASI ON CACHE BOOL "Building for wasm32-wasi" FORCE)

# A cache variable wins over the environment. A value from the environment is cached, so that a
# re-configure without it (cmake --build after a CMakeLists.txt change, from another shell) keeps
# the same toolchain; try_compile projects re-read this file and get the values through
# CMAKE_TRY_COMPILE_PLATFORM_VARIABLES.
foreach(var WASI_SDK_PREFIX WASI_SYSROOT SY_WASI_LLVM_VERSION)
  if(NOT DEFINED ${var} AND DEFINED ENV{${var}} AND NOT "$ENV{${var}}" STREQUAL "")
    set(${var} "$ENV{${var}}" CACHE STRING "wasm32-wasi toolchain: from the environment")
  endif()
endforeach()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WASI_SDK_PREFIX WASI_SYSROOT SY_WASI_LLVM_VERSION)

if(WASI_SDK_PREFIX)
  set(CMAKE_C_COMPILER ${WASI_SDK_PREFIX}/bin/clang)
  set(CMAKE_CXX_COMPILER ${WASI_SDK_PREFIX}/bin/clang++)
  set(CMAKE_AR ${WASI_SDK_PREFIX}/bin/llvm-ar)
  set(CMAKE_RANLIB ${WASI_SDK_PREFIX}/bin/llvm-ranlib)
  if(NOT WASI_SYSROOT)
    set(WASI_SYSROOT ${WASI_SDK_PREFIX}/share/wasi-sysroot)  # libc++ included
  endif()
else()
  if(NOT SY_WASI_LLVM_VERSION)
    set(SY_WASI_LLVM_VERSION 16)
  endif()
  set(CMAKE_C_COMPILER clang-${SY_WASI_LLVM_VERSION})
  set(CMAKE_CXX_COMPILER clang++-${SY_WASI_LLVM_VERSION})
  set(CMAKE_AR llvm-ar-${SY_WASI_LLVM_VERSION})
  set(CMAKE_RANLIB llvm-ranlib-${SY_WASI_LLVM_VERSION})
  if(NOT WASI_SYSROOT)
    set(WASI_SYSROOT /usr)
  endif()
  # Debian keeps libc++ for wasm32-wasi under the LLVM tree, not the sysroot: without this
  # -isystem <string> and friends are not found.
  set(CMAKE_CXX_FLAGS_INIT "-isystem /usr/lib/llvm-${SY_WASI_LLVM_VERSION}/include/wasm32-wasi/c++/v1")
endif()
set(CMAKE_C_COMPILER_TARGET wasm32-wasi)
set(CMAKE_CXX_COMPILER_TARGET wasm32-wasi)
set(CMAKE_SYSROOT ${WASI_SYSROOT})

# try_compile cannot link a reactor without exports; compile-only checks are enough.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
