// attn.linear with a quantized input (input_quant = q8_0) on a Q8_0 weight,
// in the two entry-point shapes attnc compiles: `prefill` with a dynamic
// token count (8-token tiles and one-token leftovers) and `attn_decode` with
// one token (held to the stack-only rules). K = 96 (three 32-value blocks),
// N = 48 (three 16-row output blocks). int8-linear-driver.c calls them and
// int8-linear-ref.py computes the result in NumPy.
func.func @prefill(%x: tensor<?x96xf32>, %w: tensor<3x96x16xi8>, %s: tensor<3x3x16xf32>,
                   %y: memref<?x48xf32>) attributes {llvm.emit_c_interface} {
  %0 = attn.linear %x, %w scales %s {input_quant = #attn.quant<q8_0>} : tensor<?x96xf32>, tensor<3x96x16xi8>, tensor<3x3x16xf32> -> tensor<?x48xf32>
  bufferization.materialize_in_destination %0 in restrict writable %y : (tensor<?x48xf32>, memref<?x48xf32>) -> ()
  return
}

func.func @attn_decode(%x: tensor<1x96xf32>, %w: tensor<3x96x16xi8>, %s: tensor<3x3x16xf32>,
                       %y: memref<1x48xf32>) attributes {llvm.emit_c_interface} {
  %0 = attn.linear %x, %w scales %s {input_quant = #attn.quant<q8_0>} : tensor<1x96xf32>, tensor<3x96x16xi8>, tensor<3x3x16xf32> -> tensor<1x48xf32>
  bufferization.materialize_in_destination %0 in restrict writable %y : (tensor<1x48xf32>, memref<1x48xf32>) -> ()
  return
}
