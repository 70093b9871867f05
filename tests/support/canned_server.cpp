// canned_server: accept, read once (bounded), answer, close; polled so the destructor can stop it.
#include "tests/support/canned_server.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace tixsync::testing {

canned_server::canned_server(std::string answer) : answer_(std::move(answer)) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd_, 16) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd_ >= 0) ::close(fd_);
    throw std::runtime_error("canned_server: cannot listen on a loopback port");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

canned_server::~canned_server() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
}

std::string canned_server::received() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return received_;
}

void canned_server::serve() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    timeval tv{1, 0};  // a client that sends nothing holds the server up for a second at most
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char request[1024];
    const ssize_t n = ::recv(client, request, sizeof request, 0);
    if (n > 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      received_.append(request, static_cast<std::size_t>(n));
    }
    (void)::send(client, answer_.data(), answer_.size(), MSG_NOSIGNAL);
    ::close(client);
  }
}

}  // namespace tixsync::testing
