#include "receipt_qr.h"

#include <qrencode.h>

#include <memory>

#include "exports.h"  // XmlWriter::Escape

namespace shanliu::api::internal {

Result<QrMatrix> EncodeQr(std::string_view text) {
  if (text.empty() || text.size() > kMaxQrTextBytes) {
    return Status::Error("invalid_argument", "QR text must be 1 to " + std::to_string(kMaxQrTextBytes) + " bytes");
  }
  const std::string owned(text);  // qrencode wants a NUL-terminated string
  if (owned.find('\0') != std::string::npos) return Status::Error("invalid_argument", "QR text contains a NUL byte");
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeString(owned.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
  if (!code) return Status::Error("internal", "qrencode could not encode the text");
  QrMatrix m;
  m.version = code->version;
  m.width = code->width;
  m.dark.resize(static_cast<std::size_t>(m.width) * m.width);
  for (std::size_t i = 0; i < m.dark.size(); ++i) m.dark[i] = code->data[i] & 1;  // bit 0: dark module
  return m;
}

std::string QrSvg(const QrMatrix& qr, std::string_view label) {
  const int total = qr.width + 2 * kQrQuietZone;
  std::string d;
  for (int y = 0; y < qr.width; ++y) {
    int x = 0;
    while (x < qr.width) {
      if (!qr.Dark(x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < qr.width && qr.Dark(x + run, y)) ++run;
      d += "M" + std::to_string(x + kQrQuietZone) + " " + std::to_string(y + kQrQuietZone) + "h" +
           std::to_string(run) + "v1h-" + std::to_string(run) + "z";
      x += run;
    }
  }
  const std::string n = std::to_string(total);
  const std::string escaped = XmlWriter::Escape(label);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 " + n + " " + n + "\" width=\"" +
         std::to_string(total * 8) + "\" height=\"" + std::to_string(total * 8) +
         "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"" + escaped + "\" data-qr-version=\"" +
         std::to_string(qr.version) + "\" data-qr-modules=\"" + std::to_string(qr.width) + "\">\n<title>" + escaped +
         "</title>\n<rect width=\"" + n + "\" height=\"" + n + "\" fill=\"#fff\"/>\n<path fill=\"#000\" d=\"" + d +
         "\"/>\n</svg>\n";
}

}  // namespace shanliu::api::internal
