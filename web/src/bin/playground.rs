fn main() {
    franz_web::playground::run();
}
