// A TCP proxy on loopback that forwards PostgreSQL connections and, when
// armed, breaks one of them after the server has answered a chosen message:
// the server has done the work (committed, when the answer is its
// ReadyForQuery), the client never hears of it. What a network failure at
// the worst moment looks like, made on demand instead of by chance.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace deltackpt::testing {

class DroppingProxy {
 public:
  // Forwards to 127.0.0.1:`upstream_port`.
  explicit DroppingProxy(int upstream_port) : upstream_port_(upstream_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0) {
      throw std::runtime_error("proxy: cannot listen");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (::pipe(stop_) != 0) throw std::runtime_error("proxy: pipe");
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~DroppingProxy() {
    const char byte = 0;
    (void)!::write(stop_[1], &byte, 1);  // every loop polls this pipe
    acceptor_.join();
    for (auto& t : relays_) t.join();
    ::close(listen_fd_);
    ::close(stop_[0]);
    ::close(stop_[1]);
  }
  DroppingProxy(const DroppingProxy&) = delete;
  DroppingProxy& operator=(const DroppingProxy&) = delete;

  int port() const { return port_; }

  // The next client message containing `marker` is forwarded; the server's
  // answer up to its next ReadyForQuery is swallowed, and both sides of
  // that connection are closed.
  void arm(std::string marker) {
    std::lock_guard lock(mutex_);
    marker_ = std::move(marker);
  }
  // Connections broken so far.
  int drops() const { return drops_.load(); }

 private:
  void accept_loop() {
    for (;;) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 && errno == EINTR) continue;
      if (fds[1].revents != 0) return;
      const int client = ::accept(listen_fd_, nullptr, nullptr);
      if (client < 0) continue;
      const int server = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = htons(static_cast<std::uint16_t>(upstream_port_));
      if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(server);
        ::close(client);
        continue;
      }
      relays_.emplace_back([this, client, server] { relay(client, server); });
    }
  }

  // Takes the armed marker if `data` (with the end of the previous chunk)
  // contains it.
  bool takes_marker(const std::string& data) {
    std::lock_guard lock(mutex_);
    if (marker_.empty() || data.find(marker_) == std::string::npos) return false;
    marker_.clear();
    return true;
  }

  void relay(int client, int server) {
    std::string seen;        // the client's recent bytes, for a marker split across reads
    bool dropping = false;   // the marker went by: swallow the answer
    std::string answer;      // what the server sent since
    static const std::string kReadyForQuery("Z\0\0\0\x05", 5);
    char buffer[65536];
    for (;;) {
      pollfd fds[3] = {{client, POLLIN, 0}, {server, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(fds, 3, -1) < 0 && errno == EINTR) continue;
      if (fds[2].revents != 0) break;
      if (fds[0].revents != 0) {
        const ssize_t n = ::read(client, buffer, sizeof buffer);
        if (n <= 0) break;
        if (!send_all(server, buffer, static_cast<std::size_t>(n))) break;
        seen.append(buffer, static_cast<std::size_t>(n));
        if (!dropping && takes_marker(seen)) dropping = true;
        if (seen.size() > 256) seen.erase(0, seen.size() - 256);
      }
      if (fds[1].revents != 0) {
        const ssize_t n = ::read(server, buffer, sizeof buffer);
        if (n <= 0) break;
        if (dropping) {
          answer.append(buffer, static_cast<std::size_t>(n));
          if (answer.find(kReadyForQuery) != std::string::npos) {
            ++drops_;
            break;  // the server finished; the client never hears it
          }
          continue;
        }
        if (!send_all(client, buffer, static_cast<std::size_t>(n))) break;
      }
    }
    ::shutdown(client, SHUT_RDWR);
    ::shutdown(server, SHUT_RDWR);
    ::close(client);
    ::close(server);
  }

  static bool send_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
      const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }

  int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  int stop_[2] = {-1, -1};
  std::thread acceptor_;
  std::vector<std::thread> relays_;  // only the acceptor adds, and only the destructor joins
  std::mutex mutex_;
  std::string marker_;
  std::atomic<int> drops_{0};
};

}  // namespace deltackpt::testing
