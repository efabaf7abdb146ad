//===- HwxDialect.td - native ANE tasks for M1 (H13) ----------------------===//
//
// `hwx` is the last stage before an H13 program binary: each op a task
// descriptor of the ANE, its register fields by the public field map's names.
// anec-lower-to-h13 rewrites the mil ops it has matched against Apple's
// binaries into tasks; the .hwx writer lays the tasks, their kernels and
// the program's buffers out as a Mach-O file (docs/HWX.md).
//
//===----------------------------------------------------------------------===//

#ifndef ANEC_HWX_DIALECT_TD
#define ANEC_HWX_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Hwx_Dialect : Dialect {
  let name = "hwx";
  let summary = "ANE task descriptors for M1 (H13)";
  let cppNamespace = "::anec::hwx";
}

def Hwx_TaskOp : Op<Hwx_Dialect, "task", [Pure]> {
  let summary = "one ANE task: register fields, packed kernel, its tensors";
  let description = [{
    `fields` maps field names of the H13 map (`aneRegs.Common.Cin.Cin`, ...)
    to values; fields absent are zero. `unmapped` maps a task byte offset
    (as a decimal string) to the bits of that register word the map does
    not name. `kernel` holds the packed weights the task's kernel DMA reads
    (absent for kernel-free tasks). `kind` names what the task computes,
    for diagnostics. The operands are the task's input tensors and the
    result its output, so the function stays a typed dataflow graph.
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, StrAttr:$kind,
                       DictionaryAttr:$fields, DictionaryAttr:$unmapped,
                       OptionalAttr<ElementsAttr>:$kernel);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    `(` $inputs `)` attr-dict `:` functional-type($inputs, results)
  }];
}

#endif // ANEC_HWX_DIALECT_TD
