# WASI SDK assembled from Debian packages: clang-16, lld-16, wasi-libc and libc++-16-dev-wasm32.
# Used by the `worker` preset; the edge worker imports the result as a WebAssembly.Module.
set(CMAKE_SYSTEM_NAME Generic)          # CMake 3.25 has no WASI platform module; Generic + flags is enough
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(SY_WASI ON CACHE BOOL "Building for wasm32-wasi" FORCE)

set(CMAKE_C_COMPILER clang-16)
set(CMAKE_CXX_COMPILER clang++-16)
set(CMAKE_AR llvm-ar-16)
set(CMAKE_RANLIB llvm-ranlib-16)
set(CMAKE_C_COMPILER_TARGET wasm32-wasi)
set(CMAKE_CXX_COMPILER_TARGET wasm32-wasi)
set(CMAKE_SYSROOT /usr)

# libc++ for wasm32-wasi lives under the LLVM tree, not the sysroot: without this -isystem
# <string> and friends are not found.
set(CMAKE_CXX_FLAGS_INIT "-isystem /usr/lib/llvm-16/include/wasm32-wasi/c++/v1")
# try_compile cannot link a reactor without exports; compile-only checks are enough.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
