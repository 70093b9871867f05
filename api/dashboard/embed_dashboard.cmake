# Generates the C++ file that embeds the dashboard (index.html, dashboard.js, dashboard.css) as raw
# string literals, from the template api/dashboard_files.cpp.in. Run at build time by a custom
# command of api/CMakeLists.txt, so editing a dashboard file rebuilds only this one source.
# Inputs: -DDASHBOARD_DIR=<api/dashboard> -DTEMPLATE=<dashboard_files.cpp.in> -DOUTPUT=<file.cpp>
foreach(input DASHBOARD_DIR TEMPLATE OUTPUT)
  if(NOT DEFINED ${input})
    message(FATAL_ERROR "embed_dashboard.cmake: -D${input}=... is required")
  endif()
endforeach()

# The raw-string delimiter: at most 16 characters, and ")delimiter\"" must not occur in any file.
set(DASHBOARD_DELIMITER "tixsync_dash")
foreach(pair "index.html;DASHBOARD_INDEX_HTML" "dashboard.js;DASHBOARD_JS" "dashboard.css;DASHBOARD_CSS")
  list(GET pair 0 name)
  list(GET pair 1 variable)
  set(file "${DASHBOARD_DIR}/${name}")
  if(NOT EXISTS "${file}")
    message(FATAL_ERROR "embed_dashboard.cmake: ${file} does not exist")
  endif()
  file(READ "${file}" text)
  string(FIND "${text}" ")${DASHBOARD_DELIMITER}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "embed_dashboard.cmake: ${file} contains the raw-string end "
                        "')${DASHBOARD_DELIMITER}\"'; change DASHBOARD_DELIMITER")
  endif()
  set(${variable} "${text}")
endforeach()

# @ONLY: the files' own "${...}" (JavaScript template strings) stay as they are; values are
# substituted once, so an "@NAME@" inside a dashboard file is not expanded either.
file(READ "${TEMPLATE}" template)
string(CONFIGURE "${template}" body @ONLY)

# Only rewrite when changed, so the build does not recompile needlessly.
set(old "")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
endif()
if(NOT "${old}" STREQUAL "${body}")
  file(WRITE "${OUTPUT}" "${body}")
endif()
