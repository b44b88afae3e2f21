//===- Passes.td - attnc passes on linalg, vector and memref -*- tablegen -*-===//
//
// The passes between linalg on tensors (the output of convert-attn-to-linalg)
// and the LLVM dialect: tiling and vectorization of every linalg op, the
// lowering of the resulting vector ops to what convert-vector-to-llvm takes,
// the placement of temporary buffers on the stack, and the check that the
// decode entry point never allocates on the heap.
//
//===----------------------------------------------------------------------===//
#ifndef ATTNC_TRANSFORMS_PASSES
#define ATTNC_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def TileAndVectorizePass : Pass<"attn-tile-and-vectorize", "func::FuncOp"> {
  let summary = "Tile every linalg op on tensors and vectorize the tiles";
  let description = [{
    Chooses tile sizes for each linalg op from its iteration space (dynamic
    dims: 1; static parallel dims: 1 except the innermost parallel dim, kept
    whole up to `max-whole-dim` elements, else the largest divisor up to
    `max-tile`; static reduction dims: whole up to `max-whole-dim`, else the
    largest divisor up to `max-tile`), tiles with `scf.for` loops on tensors,
    vectorizes the tiled op with `linalg::vectorize`, and cleans up the vector
    form (permutation maps, reduction-to-contract, subset folding, leading
    unit dims). Ops that cannot be vectorized stay as tiled linalg ops.
    A packed linear layer over more than `token-block` tokens (prefill) is
    register blocked first: tiled by one output block x `token-block`
    tokens with the block loop outermost, the token loop peeled so that
    every full tile is static (one vector accumulator per token, each weight
    vector loaded once for all of them) and the left-over tokens tiled one
    at a time.
    Accumulators carried through a reduction loop are hoisted into
    `scf.for` iter_args so they stay in registers.
    The tiles of a linear layer whose input is quantized (the integer
    linear of convert-attn-to-linalg) are emitted directly, as `attn.dot_i8`
    byte dot products (64 products an AVX-512 VNNI instruction), rather
    than through the generic vectorizer.
  }];
  let dependentDialects = [
    "affine::AffineDialect", "arith::ArithDialect", "attn::AttnDialect",
    "linalg::LinalgDialect", "scf::SCFDialect", "tensor::TensorDialect",
    "vector::VectorDialect"
  ];
  let options = [
    Option<"maxWholeDim", "max-whole-dim", "int64_t", /*default=*/"64",
           "A static dim up to this size is vectorized whole">,
    Option<"maxTile", "max-tile", "int64_t", /*default=*/"16",
           "Largest tile size for a static dim that is not kept whole">,
    Option<"hoistAccumulators", "hoist-accumulators", "bool", /*default=*/"true",
           "Keep reduction accumulators in loop-carried vectors">,
    Option<"tokenBlock", "token-block", "int64_t", /*default=*/"8",
           "Tokens per register tile of a linear layer over many tokens "
           "(prefill); 1 = one token at a time">,
  ];
}

def ParallelizePass : Pass<"attn-parallelize", "func::FuncOp"> {
  let summary = "Turn the loops the schedules marked parallel into scf.parallel";
  let description = [{
    On memrefs (after bufferization): every `scf.for` carrying the unit
    attribute `attn.parallel` (attn-tile-and-vectorize puts it on the loop
    over the output blocks of a packed linear layer, whose iterations write
    disjoint slices of the result and read only the input and the weights;
    attn-tile-queries on the loop over the heads of a prompt's attention)
    becomes an `scf.parallel` over the same range, which
    convert-scf-to-openmp later turns into an OpenMP work-sharing loop. Each
    iteration computes the same values whichever thread runs it, so results
    are bitwise identical for every thread count. A marked loop that still
    carries values (iter_args) is an error: its iterations would not be
    independent. Buffers allocated in the body are private to an iteration
    (attn-promote-allocs-to-stack keeps them there; convert-scf-to-openmp
    wraps the body in a memref.alloca_scope).

    First, a run of sibling marked loops with constant bounds (only
    operations without memory effects between them) becomes one marked loop
    over all their iterations, each body in a branch of an `scf.if` cascade,
    when every iteration does the same work (the same operations, constants
    and types; a static split of the merged range stays even) and no loop
    reads or writes memory another writes (alias analysis). A token's wq,
    wk and wv, or w1 and w3, then fork and join the threads once instead of
    once per loop.
  }];
  let dependentDialects = ["arith::ArithDialect", "scf::SCFDialect"];
}

def FoldReshapesIntoDestinationsPass
    : Pass<"attn-fold-reshapes-into-destinations", "func::FuncOp"> {
  let summary = "Write results through reshaped views of their destination memrefs";
  let description = [{
    `bufferization.materialize_in_destination (tensor.collapse_shape %r) in
    %dest` becomes `materialize_in_destination %r in (memref.expand_shape
    %dest)`, so that empty-tensor elimination can trace %r back to its
    tensor.empty and the op computing %r writes straight into %dest (the
    logits, a KV-cache slice) instead of into a temporary that is copied.
    Pure view ops computing a destination (the KV-cache subview at `pos`)
    are moved as early as their operands allow, for the same reason, and
    every use of a tensor.empty gets its own tensor.empty, because MLIR 19's
    empty-tensor elimination replaces all uses of a (CSE-merged) empty by
    one destination. Run it immediately before eliminate-empty-tensors, with
    no CSE in between.
  }];
  let dependentDialects = ["bufferization::BufferizationDialect",
                           "memref::MemRefDialect"];
}

def LowerVectorOpsPass : Pass<"attn-lower-vector-ops", "func::FuncOp"> {
  let summary = "Lower vector ops to the forms convert-vector-to-llvm takes";
  let description = [{
    Contractions to outer products and then FMAs, multi-reductions,
    transposes, shape casts, broadcasts and masks to simple vector ops, and
    `math.exp`/`math.tanh`/... to polynomial approximations so that they stay
    vectorized instead of becoming one libm call per lane. `attn.dot_i8`
    becomes AVX-512 VNNI's `vpdpbusd` (an `llvm.call_intrinsic`) with
    `int8-dot-product` and 16 lanes, else widening multiplies and adds.
  }];
  let dependentDialects = [
    "arith::ArithDialect", "LLVM::LLVMDialect", "math::MathDialect",
    "memref::MemRefDialect", "scf::SCFDialect", "vector::VectorDialect"
  ];
  let options = [
    Option<"int8DotProduct", "int8-dot-product", "bool", /*default=*/"false",
           "Lower attn.dot_i8 to AVX-512 VNNI (the target must have avx512vnni)">,
  ];
}

def PromoteAllocsToStackPass : Pass<"attn-promote-allocs-to-stack", "ModuleOp"> {
  let summary = "Move the temporary buffers of the named functions off the heap";
  let description = [{
    In the functions named by `functions`, every `memref.alloc` is replaced
    and its `memref.dealloc`s are erased: a static buffer of at most
    `max-alloca-bytes` becomes a `memref.alloca` at the start of the entry
    block (no alloca executes inside a loop), smallest buffers first, while
    the function's allocas total at most `stack-budget-bytes`; every other
    static buffer becomes a private, mutable, uninitialized, 64-byte-aligned
    `memref.global` (static storage, zero-filled lazily by the OS) read with
    `memref.get_global`. The stack use of these functions is thus bounded by
    the budget whatever the context length. Static storage makes them
    non-reentrant: they must not run concurrently with themselves (the
    runtime calls them from one thread). A dynamic-size allocation, or a
    loop-local buffer yielded out of its loop, is an error. In the other
    functions, static allocations of at most `max-bytes` bytes outside loops
    become allocas, smallest first, within `stack-budget-bytes` too; the rest
    are left for the deallocation pipeline.
  }];
  let dependentDialects = ["memref::MemRefDialect"];
  let options = [
    ListOption<"functions", "functions", "std::string",
               "Functions that must not allocate on the heap">,
    Option<"maxAllocaBytes", "max-alloca-bytes", "int64_t", /*default=*/"65536",
           "Largest buffer of those functions put on the stack">,
    Option<"stackBudgetBytes", "stack-budget-bytes", "int64_t", /*default=*/"262144",
           "Most bytes of allocas this pass puts in any one function">,
    Option<"maxBytes", "max-bytes", "int64_t", /*default=*/"4096",
           "Largest static allocation promoted in the other functions">,
  ];
}

def CheckStackOnlyPass : Pass<"attn-check-stack-only", "ModuleOp"> {
  let summary = "Check that the named LLVM functions never allocate on the heap";
  let description = [{
    On the LLVM dialect: fails if a function named in `functions` (or its
    `_mlir_ciface_` wrapper, or a function of the module they call) calls
    `malloc`, `aligned_alloc`, `calloc`, `realloc` or `posix_memalign`,
    executes an `llvm.alloca` in a block that is part of a CFG cycle (stack
    growth per loop iteration) or of a size that is not a constant (stack
    use that depends on the input), or has allocas of more than
    `max-stack-bytes` bytes in all (summed over every function reached, an
    upper bound of what one call puts on the stack besides LLVM's spills).
  }];
  let options = [
    ListOption<"functions", "functions", "std::string",
               "Functions that must not allocate on the heap">,
    Option<"maxStackBytes", "max-stack-bytes", "int64_t", /*default=*/"262144",
           "Most bytes of allocas a call of those functions may execute">,
  ];
}

#endif // ATTNC_TRANSFORMS_PASSES
