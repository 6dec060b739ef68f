import { describe, expect, it } from "vitest";
import { GroupCommit } from "../src/links/click-writer";

describe("group commit of clicks", () => {
  it("writes the first item at once and groups those that arrive meanwhile", async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const writer = new GroupCommit<number>(50, () => {});
    const write = async (items: number[]) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
    };
    const first = writer.add(1, write);
    const later = [2, 3, 4].map((n) => writer.add(n, write));
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it("caps a batch, and a failed batch is reported without blocking the next", async () => {
    const failures: number[][] = [];
    const batches: number[][] = [];
    const writer = new GroupCommit<number>(2, (_error, items) => failures.push(items));
    let calls = 0;
    const write = async (items: number[]) => {
      calls += 1;
      await Promise.resolve();
      if (calls === 1) throw new Error("D1 down");
      batches.push(items);
    };
    await Promise.all([1, 2, 3, 4, 5].map((n) => writer.add(n, write)));
    expect(failures).toEqual([[1]]);
    expect(batches).toEqual([
      [2, 3],
      [4, 5],
    ]);
  });
});
