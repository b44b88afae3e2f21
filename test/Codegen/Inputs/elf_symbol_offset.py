"""elf_symbol_offset.py EXE SYMBOL: prints the symbol's address and its file
offset (through the PT_LOAD segment that holds it) of a 64-bit little-endian
ELF executable, as `address 0x... offset 0x...`."""
import struct
import sys

path, name = sys.argv[1], sys.argv[2].encode()
data = open(path, "rb").read()
assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "not a 64-bit LE ELF"
phoff, shoff = struct.unpack_from("<QQ", data, 0x20)
phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 0x36)
sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
address = None
for sh in sections:
    if sh[1] != 2:  # SHT_SYMTAB
        continue
    strtab = sections[sh[6]]
    for off in range(sh[4], sh[4] + sh[5], sh[9]):
        st_name, _, _, _, st_value, _ = struct.unpack_from("<IBBHQQ", data, off)
        start = strtab[4] + st_name
        if data[start:data.index(b"\0", start)] == name:
            address = st_value
assert address is not None, f"no symbol {name.decode()}"
for i in range(phnum):
    p_type, _, p_offset, p_vaddr, _, p_filesz, _, _ = struct.unpack_from(
        "<IIQQQQQQ", data, phoff + i * phentsize)
    if p_type == 1 and p_vaddr <= address < p_vaddr + p_filesz:  # PT_LOAD
        print(f"address {address:#x} offset {address - p_vaddr + p_offset:#x}")
        break
else:
    sys.exit(f"{name.decode()} is in no PT_LOAD segment")
