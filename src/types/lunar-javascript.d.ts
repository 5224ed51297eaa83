/**
 * The few calls of `lunar-javascript` (6tail) this project makes; the package ships no types.
 * It counts days by integer arithmetic on year/month/day (no JS Date, no process time zone),
 * which is why it is used for lunar dates and solar terms rather than chinese-days' functions.
 */
declare module 'lunar-javascript' {
  interface Solar {
    getYear(): number
    getMonth(): number
    getDay(): number
    /** 'YYYY-MM-DD' */
    toYmd(): string
    /** The day `days` later (negative: earlier). */
    next(days: number): Solar
    getLunar(): Lunar
  }
  interface Lunar {
    getYear(): number
    getMonth(): number
    getDay(): number
    getSolar(): Solar
    /** Solar terms by Chinese name ('清明', …) around this lunar year. */
    getJieQiTable(): Record<string, Solar>
  }
  const lunar: {
    Solar: { fromYmd(year: number, month: number, day: number): Solar }
    Lunar: { fromYmd(year: number, month: number, day: number): Lunar }
  }
  export default lunar
}
