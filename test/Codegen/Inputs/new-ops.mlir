// The ops of the other transformer families (layer_norm, gelu, relu,
// bias_add, learned and sinusoidal positions, rope with both pair layouts) in
// the two entry-point shapes attnc compiles: `prefill` with a dynamic token
// count and `attn_decode` with one token (all static, held to the stack-only
// rules). Each result is written into an out-memref so that a C driver
// (new-ops-driver.c) can call the object and new-ops-ref.py compare it with
// NumPy. D = 16, rope on (T, 2 heads, head_dim 8), a 512-row position table.
func.func @prefill(%x: tensor<?x16xf32>, %w: tensor<16xf32>, %b: tensor<16xf32>,
                   %table: tensor<512x16xf32>, %q: tensor<?x2x8xf32>, %pos: index,
                   %ln: memref<?x16xf32>, %ge: memref<?x16xf32>, %gt: memref<?x16xf32>,
                   %re: memref<?x16xf32>, %ba: memref<?x16xf32>, %lp: memref<?x16xf32>,
                   %sp: memref<?x16xf32>, %ra: memref<?x2x8xf32>, %rh: memref<?x2x8xf32>)
    attributes {llvm.emit_c_interface} {
  %0 = attn.layer_norm %x, %w, %b {epsilon = 1.0e-05 : f32} : tensor<?x16xf32>, tensor<16xf32>
  bufferization.materialize_in_destination %0 in restrict writable %ln : (tensor<?x16xf32>, memref<?x16xf32>) -> ()
  %1 = attn.gelu %x {approximation = #attn.gelu<none>} : tensor<?x16xf32>
  bufferization.materialize_in_destination %1 in restrict writable %ge : (tensor<?x16xf32>, memref<?x16xf32>) -> ()
  %2 = attn.gelu %x {approximation = #attn.gelu<tanh>} : tensor<?x16xf32>
  bufferization.materialize_in_destination %2 in restrict writable %gt : (tensor<?x16xf32>, memref<?x16xf32>) -> ()
  %3 = attn.relu %x : tensor<?x16xf32>
  bufferization.materialize_in_destination %3 in restrict writable %re : (tensor<?x16xf32>, memref<?x16xf32>) -> ()
  %4 = attn.bias_add %x, %b : tensor<?x16xf32>, tensor<16xf32>
  bufferization.materialize_in_destination %4 in restrict writable %ba : (tensor<?x16xf32>, memref<?x16xf32>) -> ()
  %5 = attn.learned_positions %x, %table, %pos : tensor<?x16xf32>, tensor<512x16xf32>
  bufferization.materialize_in_destination %5 in restrict writable %lp : (tensor<?x16xf32>, memref<?x16xf32>) -> ()
  %6 = attn.sinusoidal_positions %x, %pos {base = 1.000000e+04 : f32} : tensor<?x16xf32>
  bufferization.materialize_in_destination %6 in restrict writable %sp : (tensor<?x16xf32>, memref<?x16xf32>) -> ()
  %7 = attn.rope %q, %pos {theta = 10000.0 : f32} : tensor<?x2x8xf32>
  bufferization.materialize_in_destination %7 in restrict writable %ra : (tensor<?x2x8xf32>, memref<?x2x8xf32>) -> ()
  %8 = attn.rope %q, %pos {pairs = #attn.rope_pairs<halves>, theta = 10000.0 : f32} : tensor<?x2x8xf32>
  bufferization.materialize_in_destination %8 in restrict writable %rh : (tensor<?x2x8xf32>, memref<?x2x8xf32>) -> ()
  return
}

func.func @attn_decode(%x: tensor<1x16xf32>, %w: tensor<16xf32>, %b: tensor<16xf32>,
                       %table: tensor<512x16xf32>, %q: tensor<1x2x8xf32>, %pos: index,
                       %ln: memref<1x16xf32>, %ge: memref<1x16xf32>, %gt: memref<1x16xf32>,
                       %re: memref<1x16xf32>, %ba: memref<1x16xf32>, %lp: memref<1x16xf32>,
                       %sp: memref<1x16xf32>, %ra: memref<1x2x8xf32>, %rh: memref<1x2x8xf32>)
    attributes {llvm.emit_c_interface} {
  %0 = attn.layer_norm %x, %w, %b {epsilon = 1.0e-05 : f32} : tensor<1x16xf32>, tensor<16xf32>
  bufferization.materialize_in_destination %0 in restrict writable %ln : (tensor<1x16xf32>, memref<1x16xf32>) -> ()
  %1 = attn.gelu %x {approximation = #attn.gelu<none>} : tensor<1x16xf32>
  bufferization.materialize_in_destination %1 in restrict writable %ge : (tensor<1x16xf32>, memref<1x16xf32>) -> ()
  %2 = attn.gelu %x {approximation = #attn.gelu<tanh>} : tensor<1x16xf32>
  bufferization.materialize_in_destination %2 in restrict writable %gt : (tensor<1x16xf32>, memref<1x16xf32>) -> ()
  %3 = attn.relu %x : tensor<1x16xf32>
  bufferization.materialize_in_destination %3 in restrict writable %re : (tensor<1x16xf32>, memref<1x16xf32>) -> ()
  %4 = attn.bias_add %x, %b : tensor<1x16xf32>, tensor<16xf32>
  bufferization.materialize_in_destination %4 in restrict writable %ba : (tensor<1x16xf32>, memref<1x16xf32>) -> ()
  %5 = attn.learned_positions %x, %table, %pos : tensor<1x16xf32>, tensor<512x16xf32>
  bufferization.materialize_in_destination %5 in restrict writable %lp : (tensor<1x16xf32>, memref<1x16xf32>) -> ()
  %6 = attn.sinusoidal_positions %x, %pos {base = 1.000000e+04 : f32} : tensor<1x16xf32>
  bufferization.materialize_in_destination %6 in restrict writable %sp : (tensor<1x16xf32>, memref<1x16xf32>) -> ()
  %7 = attn.rope %q, %pos {theta = 10000.0 : f32} : tensor<1x2x8xf32>
  bufferization.materialize_in_destination %7 in restrict writable %ra : (tensor<1x2x8xf32>, memref<1x2x8xf32>) -> ()
  %8 = attn.rope %q, %pos {pairs = #attn.rope_pairs<halves>, theta = 10000.0 : f32} : tensor<1x2x8xf32>
  bufferization.materialize_in_destination %8 in restrict writable %rh : (tensor<1x2x8xf32>, memref<1x2x8xf32>) -> ()
  return
}
