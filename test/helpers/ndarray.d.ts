// The part of the ndarray package (no types of its own) the tests use.
declare module 'ndarray' {
  interface NdArray {
    readonly data: Float32Array;
    readonly shape: number[];
    readonly stride: number[];
    readonly offset: number;
    readonly dtype: string;
    get(...index: number[]): number;
    transpose(...axes: number[]): NdArray;
    lo(...index: number[]): NdArray;
    hi(...index: number[]): NdArray;
    step(...steps: number[]): NdArray;
  }
  export default function ndarray(data: Float32Array, shape?: number[], stride?: number[], offset?: number): NdArray;
}
