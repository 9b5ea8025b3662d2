// Batched, strided gemm: C[b] = alpha * A[b] @ B[b] + beta * C[b], C contiguous (batch, M, N).
//
// A and B are read through (row stride, column stride) pairs, so a transpose is a swap of two
// strides on the host, never a copy; batch dims broadcast through the batch layouts. Tiles of
// TS x TSK (A) and TSK x TS (B) are staged in local memory; each of the RTS x RTS work-items
// of a group accumulates a WPT x WPT block of C in registers (TS = RTS * WPT). The host picks
// RTS from the device's work-group limit and defines T.

#define TS (RTS * WPT)

__kernel __attribute__((reqd_work_group_size(RTS, RTS, 1)))
void gemm(__global T* C, const long M, const long N, const long K,
          __global const T* A, const long a_rows, const long a_cols,
          __global const T* B, const long b_rows, const long b_cols,
          const shape_t batch, const layout_t la, const layout_t lb,
          const T alpha, const T beta) {
    __local T a_tile[TSK][TS + 1];
    __local T b_tile[TSK][TS + 1];
    const int tx = get_local_id(0), ty = get_local_id(1);
    const int thread = ty * RTS + tx;
    const long col0 = get_group_id(0) * (long)TS, row0 = get_group_id(1) * (long)TS;
    const long b = get_global_id(2);
    const long a_base = offset_of(&batch, &la, b), b_base = offset_of(&batch, &lb, b);
    __global T* c = C + b * M * N;

    T acc[WPT][WPT];
    for (int i = 0; i < WPT; ++i)
        for (int j = 0; j < WPT; ++j) acc[i][j] = 0;

    for (long k0 = 0; k0 < K; k0 += TSK) {
        for (int e = thread; e < TS * TSK; e += RTS * RTS) {
            const int am = e / TSK, ak = e % TSK;   // consecutive items walk a row of A
            const long gm = row0 + am, gak = k0 + ak;
            a_tile[ak][am] = (gm < M && gak < K) ? A[a_base + gm * a_rows + gak * a_cols] : (T)0;
            const int bn = e % TS, bk = e / TS;     // ... and a row of B
            const long gn = col0 + bn, gbk = k0 + bk;
            b_tile[bk][bn] = (gn < N && gbk < K) ? B[b_base + gbk * b_rows + gn * b_cols] : (T)0;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < TSK; ++k) {
            T b_reg[WPT];
            for (int j = 0; j < WPT; ++j) b_reg[j] = b_tile[k][tx + j * RTS];
            for (int i = 0; i < WPT; ++i) {
                const T a_val = a_tile[k][ty + i * RTS];
                for (int j = 0; j < WPT; ++j) acc[i][j] += a_val * b_reg[j];
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    for (int i = 0; i < WPT; ++i) {
        const long row = row0 + ty + i * RTS;
        if (row >= M) continue;
        for (int j = 0; j < WPT; ++j) {
            const long col = col0 + tx + j * RTS;
            if (col >= N) continue;
            const long at = row * N + col;
            c[at] = beta != 0 ? alpha * acc[i][j] + beta * c[at] : alpha * acc[i][j];
        }
    }
}
