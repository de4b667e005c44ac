# Fails when dsl/ or runtime/ include what their layer forbids (STYLE.md 1.1).
function(check_forbidden dir regex why)
  file(GLOB_RECURSE files ${SOURCE_DIR}/${dir}/*.h ${SOURCE_DIR}/${dir}/*.cpp ${SOURCE_DIR}/${dir}/*.hpp)
  foreach(f ${files})
    file(STRINGS ${f} hits REGEX "${regex}")
    if(hits)
      message(SEND_ERROR "${f}: ${why}: ${hits}")
    endif()
  endforeach()
endfunction()
check_forbidden(dsl "#include [<\"](Halide|compiler/|runtime/|cnnc/runtime)" "dsl/ knows nothing of Halide, the compiler or the runtime")
check_forbidden(runtime "#include [<\"](Halide\\.h|llvm/|compiler/|dsl/)" "runtime/ knows nothing of the compiler, LLVM or Halide's compiler")
# Halide.h is huge: only ops/, lower/, schedule/ and emit/ may include it, directly or
# through the headers that do (STYLE.md 1.2).
foreach(dir compiler/cli compiler/ir compiler/import compiler/eval compiler/passes)
  check_forbidden(${dir}
    "#include [<\"](Halide\\.h|compiler/lower/|compiler/schedule/(Schedule|Fused|Unfused|StageSchedule|Auto)\\.h|compiler/emit/(EmitLibrary|EmitWrapperHeader)\\.h)"
    "only ops/, lower/, schedule/ and emit/ include Halide.h")
endforeach()
# ONNX's protobuf classes stay in the importer (compiler/import/onnx/, its own library).
foreach(dir compiler/ir compiler/ops compiler/lower compiler/schedule compiler/emit compiler/eval compiler/passes compiler/bench)
  check_forbidden(${dir} "#include [<\"](onnx/|google/protobuf/)" "only compiler/import/onnx/ reads ONNX")
endforeach()
