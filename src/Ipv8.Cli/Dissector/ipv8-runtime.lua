-- ---------------------------------------------------------------------------------------------------------------
-- The dissector's engine (the same text in every generated file; the tables above it are what `ipv8 dissector`
-- generates from the message registry and the schema).
-- ---------------------------------------------------------------------------------------------------------------

local SIG_FIELD_LENGTH = {}
for _, curve in ipairs(EC_CURVES) do SIG_FIELD_LENGTH[curve.oid_byte] = 2 * curve.field_length end

-- The signature length of a key, or nil when the bytes are not a key py-ipv8 signs with (as `decode` frames it).
local function signature_length(tvb, key_off, key_len)
    if key_len == LIBNACL_KEY_LENGTH and tvb(key_off, #LIBNACL_PREFIX):string() == LIBNACL_PREFIX then
        return LIBNACL_SIGNATURE_LENGTH
    end
    -- A DER SubjectPublicKeyInfo: the curve's OID (1.3.132.0.x: 2b 81 04 00 x) in its first bytes.
    if key_len < 8 or tvb(key_off, 1):uint() ~= 0x30 then return nil end
    local scan = math.min(key_len - 5, 32)
    for i = 0, scan do
        if tvb(key_off + i, 4):uint() == 0x2b810400 then
            return SIG_FIELD_LENGTH[tvb(key_off + i + 4, 1):uint()]
        end
    end
    return nil
end

-- SHA-1 of a key (py-ipv8's mid). Wireshark's Lua has no hash function in every version: GcryptHash where this
-- Wireshark has it, else SHA-1 in Lua on bit32 (Lua 5.2) or Lua 5.3's operators; without either, no mid.
local sha1_hex
do
    local band, bor, bxor, bnot, lshift, rshift
    if bit32 then
        band, bor, bxor, bnot, lshift, rshift = bit32.band, bit32.bor, bit32.bxor, bit32.bnot, bit32.lshift, bit32.rshift
    elseif _VERSION ~= "Lua 5.1" and _VERSION ~= "Lua 5.2" then
        local ops = load([[return function(a, b) return a & b end, function(a, b) return a | b end,
            function(a, b) return a ~ b end, function(a) return (~a) & 0xffffffff end,
            function(a, n) return (a << n) & 0xffffffff end, function(a, n) return (a & 0xffffffff) >> n end]])
        if ops then band, bor, bxor, bnot, lshift, rshift = ops() end
    end
    local function rol(x, n) return bor(lshift(x, n), rshift(x, 32 - n)) end
    local function add(...)
        local s = 0
        for _, v in ipairs({...}) do s = (s + v) % 4294967296 end
        return s
    end
    if band then
        sha1_hex = function(bytes)
            local n = bytes:len()
            local msg = {}
            for i = 0, n - 1 do msg[#msg + 1] = bytes:get_index(i) end
            msg[#msg + 1] = 0x80
            while (#msg % 64) ~= 56 do msg[#msg + 1] = 0 end
            local bits = n * 8
            for i = 7, 0, -1 do msg[#msg + 1] = math.floor(bits / 2 ^ (8 * i)) % 256 end
            local h0, h1, h2, h3, h4 = 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0
            local w = {}
            for chunk = 1, #msg, 64 do
                for i = 0, 15 do
                    local j = chunk + i * 4
                    w[i] = ((msg[j] * 256 + msg[j + 1]) * 256 + msg[j + 2]) * 256 + msg[j + 3]
                end
                for i = 16, 79 do w[i] = rol(bxor(bxor(w[i - 3], w[i - 8]), bxor(w[i - 14], w[i - 16])), 1) end
                local a, b, c, d, e = h0, h1, h2, h3, h4
                for i = 0, 79 do
                    local f, k
                    if i < 20 then f, k = bor(band(b, c), band(bnot(b), d)), 0x5A827999
                    elseif i < 40 then f, k = bxor(bxor(b, c), d), 0x6ED9EBA1
                    elseif i < 60 then f, k = bor(bor(band(b, c), band(b, d)), band(c, d)), 0x8F1BBCDC
                    else f, k = bxor(bxor(b, c), d), 0xCA62C1D6 end
                    local t = add(rol(a, 5), f, e, k, w[i])
                    e, d, c, b, a = d, c, rol(b, 30), a, t
                end
                h0, h1, h2, h3, h4 = add(h0, a), add(h1, b), add(h2, c), add(h3, d), add(h4, e)
            end
            return string.format("%08x%08x%08x%08x%08x", h0, h1, h2, h3, h4)
        end
    end
    if GcryptHash and GCRY_MD_SHA1 then
        -- Wireshark's own libgcrypt, where its Lua exposes it.
        local lua_sha1 = sha1_hex
        sha1_hex = function(bytes)
            local ok, digest = pcall(function()
                local h = GcryptHash.new(GCRY_MD_SHA1)
                h:write(bytes)
                return h:read():tohex()
            end)
            if ok and digest then return string.lower(digest) end
            return lua_sha1 and lua_sha1(bytes) or nil
        end
    end
end

local function community_applies(msg, community)
    if msg.community and msg.community ~= community then return false end
    if msg.except and msg.except == community then return false end
    return true
end

-- Each reader checks the bytes from `off` (the data ends at `limit`) and, given a tree, adds its items; it returns the
-- offset after the field, or nil and why.
local read_fields

local function fixed(n)
    return function(fd, tvb, off, limit, tree)
        if off + n > limit then return nil, "truncated" end
        if tree then tree:add(fd.f, tvb(off, n)) end
        return off + n
    end
end

-- An empty bytes field: a zero-length item (its value is empty, so `-e` prints nothing and `== 00:01` never matches),
-- shown as "(empty)". A value given as a Lua string would be read for the range's length, past the string's end.
local function empty_bytes(fd, tvb, off, tree)
    local item = tree:add(fd.f, tvb(off, 0))
    item:set_text(fd.name .. ": (empty)")
end

local function counted(count_len, item_len, little_endian)
    return function(fd, tvb, off, limit, tree)
        if off + count_len > limit then return nil, "truncated" end
        local count = little_endian and tvb(off, count_len):le_uint() or tvb(off, count_len):uint()
        local n = count * item_len
        if off + count_len + n > limit then return nil, "truncated" end
        if tree then
            if n > 0 then tree:add(fd.f, tvb(off + count_len, n)) else empty_bytes(fd, tvb, off + count_len, tree) end
        end
        return off + count_len + n
    end
end

local function text(len_len)
    return function(fd, tvb, off, limit, tree)
        if off + len_len > limit then return nil, "truncated" end
        local n = tvb(off, len_len):uint()
        if off + len_len + n > limit then return nil, "truncated" end
        if tree then
            if n > 0 then
                local range = tvb(off + len_len, n)
                tree:add(fd.f, range, range:string(ENC_UTF_8))
            else
                tree:add(fd.f, tvb(off, len_len), "")
            end
        end
        return off + len_len + n
    end
end

local function address_v4(fd, tvb, off, tree, top)
    if tree then
        local item = tree:add(fd.f, tvb(off, 4))
        item:add(fd.port, tvb(off + 4, 2))
        item:append_text(":" .. tvb(off + 4, 2):uint())
    end
end

local function ip_address(allow_domain)
    return function(fd, tvb, off, limit, tree)
        if off + 1 > limit then return nil, "truncated" end
        local kind = tvb(off, 1):uint()
        if kind == 1 then
            if off + 7 > limit then return nil, "truncated" end
            address_v4(fd, tvb, off + 1, tree)
            return off + 7
        elseif kind == 3 then
            if off + 19 > limit then return nil, "truncated" end
            if tree then
                local item = tree:add(fd.ipv6, tvb(off + 1, 16))
                item:add(fd.port, tvb(off + 17, 2))
                item:append_text(" port " .. tvb(off + 17, 2):uint())
            end
            return off + 19
        elseif kind == 2 and allow_domain then
            if off + 3 > limit then return nil, "truncated" end
            local n = tvb(off + 1, 2):uint()
            if off + 3 + n + 2 > limit then return nil, "truncated" end
            if tree then
                local item = tree:add(fd.host, tvb(off + 3, n), n > 0 and tvb(off + 3, n):string(ENC_UTF_8) or "")
                item:add(fd.port, tvb(off + 3 + n, 2))
            end
            return off + 3 + n + 2
        end
        return nil, "invalid address type"
    end
end

local function nested_payload(fd, tvb, off, limit, tree)
    if off + 2 > limit then return nil, "truncated" end
    local n = tvb(off, 2):uint()
    if off + 2 + n > limit then return nil, "truncated" end
    local sub = nil
    if tree then sub = tree:add(fd.f, tvb(off, 2 + n)) end
    local stop, why = read_fields(fd.nested, tvb, off + 2, off + 2 + n, sub)
    if not stop then return nil, why end
    if stop ~= off + 2 + n then return nil, "trailing bytes inside a nested payload" end
    return off + 2 + n
end

local READERS = {
    ["?"] = fixed(1), ["B"] = fixed(1), ["H"] = fixed(2), ["I"] = fixed(4), ["Q"] = fixed(8), ["q"] = fixed(8),
    ["l"] = fixed(4), ["f"] = fixed(4), ["d"] = fixed(8), ["c"] = fixed(1),
    ["BH"] = fixed(3), ["BBH"] = fixed(4), ["HH"] = fixed(4), ["LL"] = fixed(8), ["QH"] = fixed(10), ["QL"] = fixed(12),
    ["QQHHBH"] = fixed(23), ["ccB"] = fixed(3),
    ["20s"] = fixed(20), ["32s"] = fixed(32), ["64s"] = fixed(64), ["74s"] = fixed(74), ["c20s"] = fixed(21),
    ["varlenH"] = counted(2, 1), ["doublevarlenH"] = counted(2, 1), ["varlenI"] = counted(4, 1),
    ["varlenBx2"] = counted(1, 2), ["varlenHx20"] = counted(2, 20),
    ["arrayH-?"] = counted(2, 1, true), ["arrayH-q"] = counted(2, 8, true), ["arrayH-d"] = counted(2, 8, true),
    ["varlenHutf8"] = text(2), ["varlenIutf8"] = text(4),
    ["ip_address"] = ip_address(false), ["address"] = ip_address(true),
    ["payload"] = nested_payload,
}

READERS["bits"] = function(fd, tvb, off, limit, tree)
    if off + 1 > limit then return nil, "truncated" end
    if tree then
        local item = tree:add(fd.f, tvb(off, 1))
        if fd.bits then for _, bf in ipairs(fd.bits) do item:add(bf, tvb(off, 1)) end end
    end
    return off + 1
end

local function v4_reader(fd, tvb, off, limit, tree)
    if off + 6 > limit then return nil, "truncated" end
    address_v4(fd, tvb, off, tree)
    return off + 6
end
READERS["ipv4"] = v4_reader
READERS["4SH"] = v4_reader

READERS["raw"] = function(fd, tvb, off, limit, tree)
    -- Whole entries of `multiple` bytes, where `decode` checks that (similarity-response's tb_overlap: 24-byte pairs).
    if fd.multiple and (limit - off) % fd.multiple ~= 0 then return nil, "truncated" end
    if tree then
        if limit > off then tree:add(fd.f, tvb(off, limit - off)) else empty_bytes(fd, tvb, off, tree) end
    end
    return limit
end

READERS["varlenH-list"] = function(fd, tvb, off, limit, tree)
    if off + 1 > limit then return nil, "truncated" end
    local count = tvb(off, 1):uint()
    local at = off + 1
    for _ = 1, count do
        if at + 2 > limit then return nil, "truncated" end
        local n = tvb(at, 2):uint()
        if at + 2 + n > limit then return nil, "truncated" end
        if tree then tree:add(fd.f, tvb(at, 2 + n)) end
        at = at + 2 + n
    end
    return at
end

READERS["payload-list"] = function(fd, tvb, off, limit, tree)
    if off + 1 > limit then return nil, "truncated" end
    local count = tvb(off, 1):uint()
    local at = off + 1
    for _ = 1, count do
        local stop, why = nested_payload(fd, tvb, at, limit, tree)
        if not stop then return nil, why end
        at = stop
    end
    return at
end

read_fields = function(fields, tvb, off, limit, tree)
    for _, fd in ipairs(fields) do
        local reader = READERS[fd.fmt]
        if not reader then return nil, "unknown format " .. fd.fmt end
        local stop, why = reader(fd, tvb, off, limit, tree)
        if not stop then return nil, why .. " (at " .. fd.name .. ")" end
        off = stop
    end
    return off
end

-- Reads a message's payloads over the body; they must fill it exactly. Returns true, or false and why.
local function read_payloads(msg, tvb, off, limit, tree)
    for _, payload in ipairs(msg.payloads) do
        local stop, why = read_fields(payload, tvb, off, limit, tree)
        if not stop then return false, why end
        off = stop
    end
    if off ~= limit then return false, "trailing bytes after the last field" end
    return true
end

-- The frame: key and signature when the message is signed (known for a message of the registry; for any other,
-- when the bytes after the id hold a key and room for its signature, as `ipv8 decode` frames it). A message signed
-- by its kind whose bytes hold no key and signature gives nil: `decode` rejects it as truncated (it reads the key
-- length where the key should be), and so does this dissector (an expert warning), rather than read it unsigned.
local function frame(tvb, signed)
    local len = tvb:len()
    local fr = { body_off = HEADER_LENGTH, body_end = len }
    if signed == false then return fr end
    -- Not `signed and nil or fr`: in Lua that is always fr.
    local unframed = nil
    if not signed then unframed = fr end
    if len < HEADER_LENGTH + 2 then return unframed end
    local key_len = tvb(HEADER_LENGTH, 2):uint()
    if HEADER_LENGTH + 2 + key_len > len then return unframed end
    local sig_len = signature_length(tvb, HEADER_LENGTH + 2, key_len)
    if not sig_len or HEADER_LENGTH + 2 + key_len + sig_len > len then return unframed end
    fr.key_off, fr.key_len, fr.sig_len = HEADER_LENGTH + 2, key_len, sig_len
    fr.body_off = HEADER_LENGTH + 2 + key_len
    fr.body_end = len - sig_len
    return fr
end

local function add_frame(tvb, root, fr)
    if fr.key_off then
        root:add(F.signed, true)
        root:add(F.public_key_length, tvb(fr.key_off - 2, 2))
        local key = tvb(fr.key_off, fr.key_len)
        root:add(F.public_key, key)
        if sha1_hex then
            local mid = sha1_hex(key:bytes())
            -- The mid is not in the packet: it gets a data source of its own (a "mid" tab under the bytes).
            if mid then root:add(F.mid, ByteArray.new(mid):tvb("mid")()):set_generated() end
        end
        root:add(F.signature, tvb(fr.body_end, fr.sig_len))
    else
        root:add(F.signed, false)
    end
end

local udp_length_field = Field.new("udp.length")

local function dissect(tvb, pinfo, tree)
    pinfo.cols.protocol = "IPv8"
    local community = tostring(tvb(2, 20):bytes()):lower()
    local id = tvb(HEADER_LENGTH - 1, 1):uint()
    local root = tree:add(ipv8, tvb())
    root:add(F.prefix, tvb(0, HEADER_LENGTH - 1))
    root:add(F.version, tvb(1, 1))
    root:add(F.community_id, tvb(2, 20))
    root:add(F.msg_id, tvb(HEADER_LENGTH - 1, 1))

    -- A datagram cut by the capture's snap length: its bytes are not all there, so nothing after the header can be
    -- read as what it is (a key length would be read from the cut). `decode --pcap` counts it as cut short.
    -- The same for a UDP header whose length is more than the packet holds.
    local captured, whole = tvb:captured_len(), tvb:reported_len()
    local lengths = { udp_length_field() }
    if #lengths > 0 and lengths[#lengths].value - 8 > whole then whole = lengths[#lengths].value - 8 end
    if captured < whole then
        root:add(F.truncated, true):set_generated()
        root:add_proto_expert_info(E.truncated, "cut short: " .. captured .. " of " .. whole .. " bytes captured; not decoded")
        root:append_text(", message " .. id .. " (cut short)")
        pinfo.cols.info = "IPv8 message " .. id .. " (cut short: " .. captured .. " of " .. whole .. " bytes captured)"
        return
    end

    local failure = nil
    for _, msg in ipairs(BY_ID[id] or {}) do
        if community_applies(msg, community) then
            -- The first kind that applies is the message's, as in `ipv8 decode`; only its fallback is tried after it.
            local kind = msg
            while kind do
                local fr = frame(tvb, kind.signed)
                local ok, why = false, "truncated frame"
                if fr then ok, why = read_payloads(kind, tvb, fr.body_off, fr.body_end, nil) end
                if ok then
                    root:add(F.msg_name, tvb(HEADER_LENGTH - 1, 1), kind.name)
                    add_frame(tvb, root, fr)
                    local body = root:add(F.payload, tvb(fr.body_off, fr.body_end - fr.body_off))
                    body:set_text(kind.name)
                    read_payloads(kind, tvb, fr.body_off, fr.body_end, body)
                    root:append_text(", " .. kind.name .. " (" .. id .. ")")
                    pinfo.cols.info = "IPv8 " .. kind.name .. " (" .. id .. ")" .. (fr.key_off and ", signed" or "")
                    return
                end
                failure = failure or (kind.name .. ": " .. why)
                kind = kind.fallback
            end
            break
        end
    end

    -- An unknown message, or one that does not decode as its kind: the frame only.
    local fr = frame(tvb, nil)
    add_frame(tvb, root, fr)
    if fr.body_end > fr.body_off then root:add(F.payload, tvb(fr.body_off, fr.body_end - fr.body_off)) end
    if failure then
        root:add_proto_expert_info(E.malformed, "does not decode as " .. failure)
        pinfo.cols.info = "IPv8 message " .. id .. " (malformed " .. failure .. ")"
    else
        pinfo.cols.info = "IPv8 message " .. id .. " of community " .. community
    end
end

function ipv8.dissector(tvb, pinfo, tree)
    if not looks_like_ipv8(tvb) then return 0 end
    dissect(tvb, pinfo, tree)
    return tvb:len()
end

local function heuristic(tvb, pinfo, tree)
    -- A datagram quoted inside an ICMP error is not one that was sent to its port (`decode --pcap`: not UDP).
    if pinfo.in_error_pkt then return false end
    if not looks_like_ipv8(tvb) then return false end
    dissect(tvb, pinfo, tree)
    return true
end

ipv8:register_heuristic("udp", heuristic)
DissectorTable.get("udp.port"):add_for_decode_as(ipv8)
