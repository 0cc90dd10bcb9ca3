"""Brand names investors type for well-known listed companies ("Vinamilk" for VNM), used when the
listing source gives none. Searched accent-insensitively with the symbol and both names."""

from __future__ import annotations

SHORT_NAMES: dict[str, str] = {
    "ACB": "ACB",
    "ACV": "Cảng hàng không Việt Nam",
    "BID": "BIDV",
    "BVH": "Bảo Việt",
    "CTG": "VietinBank",
    "DGC": "Hóa chất Đức Giang",
    "EIB": "Eximbank",
    "FPT": "FPT",
    "GAS": "PV Gas",
    "GVR": "Cao su Việt Nam",
    "HDB": "HDBank",
    "HPG": "Hòa Phát",
    "LPB": "LPBank",
    "MBB": "MB Bank",
    "MSN": "Masan",
    "MWG": "Thế Giới Di Động",
    "PLX": "Petrolimex",
    "PNJ": "PNJ",
    "POW": "PV Power",
    "PVS": "PTSC",
    "SAB": "Sabeco",
    "SHB": "SHB",
    "SSB": "SeABank",
    "SSI": "SSI",
    "STB": "Sacombank",
    "TCB": "Techcombank",
    "TPB": "TPBank",
    "VCB": "Vietcombank",
    "VEA": "VEAM",
    "VHM": "Vinhomes",
    "VIB": "VIB",
    "VIC": "Vingroup",
    "VJC": "Vietjet",
    "VNM": "Vinamilk",
    "VPB": "VPBank",
    "VPL": "Vinpearl",
    "VRE": "Vincom Retail",
}


def short_name_for(symbol: str, given: str = "") -> str:
    """The source's short name, else the known brand, else ""."""
    return given.strip() or SHORT_NAMES.get(symbol, "")
