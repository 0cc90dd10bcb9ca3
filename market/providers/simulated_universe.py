"""The instruments of the simulated market: the VN30, a few HNX/UPCOM stocks, an ETF, three indices.

Names are the companies' registered names; listed shares and price levels are approximate (late
2025) and only need to look plausible. ``liquidity`` is the mean number of trades per second of
open market; ``sigma`` and ``beta`` shape the daily close chain (see ``simulated.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from market.calendar import Exchange, InstrumentType


@dataclass(frozen=True, slots=True)
class SimulatedInstrument:
    symbol: str
    exchange: Exchange
    type: InstrumentType
    name: str
    name_en: str
    industry: str
    listed_shares: int | None
    base: int  # whole VND, or hundredths of a point for indices
    sigma: float  # daily volatility of log returns
    beta: float  # loading on the shared market factor
    liquidity: float  # trades per second of open market outside bursts (at most one per step)
    lot_multiplier: int = 1
    groups: tuple[str, ...] = ()

    @property
    def is_index(self) -> bool:
        return self.type == "index"


def _vn30(
    symbol: str, name: str, name_en: str, industry: str, shares: int, base: int, sigma: float
):
    return SimulatedInstrument(
        symbol, Exchange.HOSE, "stock", name, name_en, industry, shares, base, sigma, 0.7, 0.1,
        groups=("VN30",),
    )  # fmt: skip


# Names are the companies' registered names; listed shares and price levels are approximate
# (late 2025) and only need to look plausible.
UNIVERSE: tuple[SimulatedInstrument, ...] = (
    _vn30("ACB", "Ngân hàng TMCP Á Châu", "Asia Commercial Joint Stock Bank", "Banks",
          5_136_656_599, 25_000, 0.016),
    _vn30("BID", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam",
          "Joint Stock Commercial Bank for Investment and Development of Vietnam", "Banks",
          7_021_361_917, 38_000, 0.018),
    _vn30("CTG", "Ngân hàng TMCP Công Thương Việt Nam",
          "Vietnam Joint Stock Commercial Bank for Industry and Trade", "Banks",
          5_369_991_748, 40_000, 0.018),
    _vn30("DGC", "Công ty CP Tập đoàn Hóa chất Đức Giang", "Duc Giang Chemicals Group JSC",
          "Chemicals", 379_779_286, 100_000, 0.024),
    _vn30("FPT", "Công ty CP FPT", "FPT Corporation", "Technology",
          1_703_681_423, 100_000, 0.019),
    _vn30("GAS", "Tổng Công ty Khí Việt Nam - CTCP", "PetroVietnam Gas JSC", "Utilities",
          2_342_339_704, 68_000, 0.016),
    _vn30("GVR", "Tập đoàn Công nghiệp Cao su Việt Nam - CTCP", "Vietnam Rubber Group - JSC",
          "Chemicals", 4_000_000_000, 30_000, 0.025),
    _vn30("HDB", "Ngân hàng TMCP Phát triển Thành phố Hồ Chí Minh",
          "Ho Chi Minh City Development Joint Stock Commercial Bank", "Banks",
          3_498_000_000, 28_000, 0.019),
    _vn30("HPG", "Công ty CP Tập đoàn Hòa Phát", "Hoa Phat Group JSC", "Basic Resources",
          7_675_465_855, 27_000, 0.019),
    _vn30("LPB", "Ngân hàng TMCP Lộc Phát Việt Nam",
          "Loc Phat Vietnam Joint Stock Commercial Bank", "Banks", 2_987_282_800, 35_000, 0.022),
    _vn30("MBB", "Ngân hàng TMCP Quân đội", "Military Commercial Joint Stock Bank", "Banks",
          8_032_000_000, 25_000, 0.018),
    _vn30("MSN", "Công ty CP Tập đoàn Masan", "Masan Group Corporation", "Food & Beverage",
          1_512_000_000, 75_000, 0.021),
    _vn30("MWG", "Công ty CP Đầu tư Thế Giới Di Động", "Mobile World Investment Corporation",
          "Retail", 1_478_000_000, 70_000, 0.021),
    _vn30("PLX", "Tập đoàn Xăng dầu Việt Nam", "Vietnam National Petroleum Group", "Oil & Gas",
          1_270_592_235, 35_000, 0.017),
    _vn30("SAB", "Tổng Công ty CP Bia - Rượu - Nước giải khát Sài Gòn",
          "Saigon Beer - Alcohol - Beverage Corporation", "Food & Beverage",
          1_282_604_287, 47_000, 0.015),
    _vn30("SHB", "Ngân hàng TMCP Sài Gòn - Hà Nội",
          "Saigon - Hanoi Commercial Joint Stock Bank", "Banks", 4_594_000_000, 13_000, 0.022),
    _vn30("SSB", "Ngân hàng TMCP Đông Nam Á", "Southeast Asia Commercial Joint Stock Bank",
          "Banks", 2_829_000_000, 18_000, 0.017),
    _vn30("SSI", "Công ty CP Chứng khoán SSI", "SSI Securities Corporation",
          "Financial Services", 2_077_000_000, 30_000, 0.024),
    _vn30("STB", "Ngân hàng TMCP Sài Gòn Thương Tín",
          "Saigon Thuong Tin Commercial Joint Stock Bank", "Banks", 1_885_215_716, 45_000, 0.021),
    _vn30("TCB", "Ngân hàng TMCP Kỹ thương Việt Nam",
          "Vietnam Technological and Commercial Joint Stock Bank", "Banks",
          7_085_000_000, 35_000, 0.019),
    _vn30("TPB", "Ngân hàng TMCP Tiên Phong", "Tien Phong Commercial Joint Stock Bank", "Banks",
          2_642_000_000, 16_000, 0.019),
    _vn30("VCB", "Ngân hàng TMCP Ngoại thương Việt Nam",
          "Joint Stock Commercial Bank for Foreign Trade of Vietnam", "Banks",
          8_355_675_094, 60_000, 0.014),
    _vn30("VHM", "Công ty CP Vinhomes", "Vinhomes JSC", "Real Estate",
          4_107_689_723, 90_000, 0.026),
    _vn30("VIB", "Ngân hàng TMCP Quốc tế Việt Nam",
          "Vietnam International Commercial Joint Stock Bank", "Banks",
          3_405_000_000, 19_000, 0.018),
    _vn30("VIC", "Tập đoàn Vingroup - Công ty CP", "Vingroup JSC", "Real Estate",
          7_694_000_000, 150_000, 0.028),
    _vn30("VJC", "Công ty CP Hàng không VietJet", "Vietjet Aviation JSC", "Travel & Leisure",
          591_000_000, 130_000, 0.020),
    _vn30("VNM", "Công ty CP Sữa Việt Nam", "Vietnam Dairy Products JSC", "Food & Beverage",
          2_089_955_445, 60_000, 0.014),
    _vn30("VPB", "Ngân hàng TMCP Việt Nam Thịnh Vượng",
          "Vietnam Prosperity Joint Stock Commercial Bank", "Banks",
          7_933_923_601, 28_000, 0.019),
    _vn30("VPL", "Công ty CP Vinpearl", "Vinpearl JSC", "Travel & Leisure",
          1_797_000_000, 80_000, 0.025),
    _vn30("VRE", "Công ty CP Vincom Retail", "Vincom Retail JSC", "Real Estate",
          2_272_318_410, 30_000, 0.022),
    SimulatedInstrument("SHS", Exchange.HNX, "stock", "Công ty CP Chứng khoán Sài Gòn - Hà Nội",
                        "Saigon - Hanoi Securities JSC", "Financial Services", 813_152_316,
                        15_000, 0.028, 0.8, 0.06, groups=("HNX30",)),
    SimulatedInstrument("PVS", Exchange.HNX, "stock",
                        "Tổng Công ty CP Dịch vụ Kỹ thuật Dầu khí Việt Nam",
                        "PetroVietnam Technical Services Corporation", "Oil & Gas", 477_966_290,
                        33_000, 0.022, 0.6, 0.05, groups=("HNX30",)),
    SimulatedInstrument("IDC", Exchange.HNX, "stock", "Tổng Công ty IDICO - CTCP",
                        "IDICO Corporation - JSC", "Real Estate", 329_999_960, 40_000, 0.020,
                        0.6, 0.04, groups=("HNX30",)),
    SimulatedInstrument("ACV", Exchange.UPCOM, "stock",
                        "Tổng Công ty Cảng hàng không Việt Nam - CTCP",
                        "Airports Corporation of Vietnam - JSC", "Industrial Goods & Services",
                        2_177_173_236, 55_000, 0.020, 0.5, 0.03),
    SimulatedInstrument("VEA", Exchange.UPCOM, "stock",
                        "Tổng Công ty Máy động lực và Máy nông nghiệp Việt Nam - CTCP",
                        "Vietnam Engine and Agricultural Machinery Corporation",
                        "Automobiles & Parts", 1_328_800_000, 40_000, 0.015, 0.4, 0.02),
    SimulatedInstrument("E1VFVN30", Exchange.HOSE, "etf", "Quỹ ETF DCVFMVN30", "DCVFMVN30 ETF",
                        "Financial Services", 280_000_000, 28_000, 0.012, 0.95, 0.04,
                        groups=("ETF",)),
    SimulatedInstrument("VNINDEX", Exchange.HOSE, "index", "Chỉ số VN-Index", "VN-Index", "",
                        None, 165_000, 0.010, 0.95, 0.2, lot_multiplier=800),
    SimulatedInstrument("VN30", Exchange.HOSE, "index", "Chỉ số VN30", "VN30 Index", "",
                        None, 185_000, 0.011, 0.95, 0.2, lot_multiplier=300),
    SimulatedInstrument("HNXINDEX", Exchange.HNX, "index", "Chỉ số HNX-Index", "HNX-Index", "",
                        None, 26_000, 0.012, 0.8, 0.2, lot_multiplier=100),
)  # fmt: skip
