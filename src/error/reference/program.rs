//! The texts of the codes the program's rules answer: registration, the catalog, buying with an
//! OTP, vouchers, and what follows the training. Mostly the holder's to know.

texts! {
    // Participants
    "invalid_card_number" => (
        "The card number is not 16 digits or its check digit is wrong: a typo, refused before any lookup. Ask the holder to enter it again.",
        "Nomor Kartu Prakerja tidak valid. Masukkan kembali 16 angka nomor kartu sesuai yang tertera di dashboard akun Prakerja Anda (gunakan tombol \"Salin Nomor Kartu\").",
        "The Prakerja card number is not valid. Enter the 16 digits again exactly as shown on your Prakerja account dashboard (use the \"Copy card number\" button)."
    ),
    "card_not_found" => (
        "The card number is well formed but no card has it.",
        "Nomor Kartu Prakerja tidak ditemukan. Periksa kembali 16 angka nomor kartu di dashboard akun Prakerja Anda.",
        "No Prakerja card has this number. Check the 16-digit card number on your Prakerja account dashboard."
    ),
    "ineligible_age" => (
        "Registration: the birth date in the NIK makes the registrant younger than 18 (a woman's day of birth is the NIK's day minus 40).",
        "Penerima Kartu Prakerja harus berusia minimal 18 tahun, sehingga pendaftaran ini tidak dapat diproses.",
        "Prakerja card holders must be at least 18 years old, so this registration cannot be accepted."
    ),
    "family_quota_reached" => (
        "Registration: this family card (Kartu Keluarga) number already has 2 card holders, the most the program allows.",
        "Dalam satu Kartu Keluarga hanya boleh ada maksimal 2 (dua) penerima Kartu Prakerja, dan kuota Kartu Keluarga Anda sudah terpenuhi.",
        "At most 2 people on one family card (Kartu Keluarga) may hold a Prakerja card, and your family card has reached that limit."
    ),
    "already_registered" => (
        "Registration: a card was already issued to this NIK, in this wave or an earlier one. A person holds one card, ever.",
        "NIK Anda sudah pernah menerima Kartu Prakerja (di gelombang ini atau sebelumnya), sehingga tidak dapat didaftarkan lagi.",
        "Your NIK has already received a Prakerja card (in this or an earlier wave), so it cannot be registered again."
    ),
    "invalid_status_transition" => (
        "Program management: the card cannot move to that status from its current one (unfreezing a card that is not frozen; anything on a revoked card, which is final).",
        "Status kartu Anda tidak dapat diubah dengan cara ini. Hubungi Manajemen Pelaksana Kartu Prakerja untuk informasi lebih lanjut.",
        "Your card's status cannot be changed this way. Contact Prakerja program management for more information."
    ),
    // Catalog
    "unknown_platform" => (
        "Course submission: an entry of `platform_ids` does not name a registered digital platform. Use the platforms' client ids as program management issued them.",
        "Pelatihan ini belum tersedia di platform digital tersebut.",
        "This training is not yet available on that digital platform."
    ),
    "course_already_reviewed" => (
        "Program management: the course was already approved or rejected; a review is final.",
        "Pelatihan ini sudah ditinjau oleh Manajemen Pelaksana dan keputusannya sudah berlaku.",
        "This training has already been reviewed by program management and the decision stands."
    ),
    "course_rejected" => (
        "A schedule was added to a course program management rejected. Submit a corrected course, which gets a new course code.",
        "Pelatihan ini tidak disetujui oleh Manajemen Pelaksana sehingga tidak dapat dibeli. Silakan pilih pelatihan lain.",
        "This training was not approved by program management, so it cannot be bought. Please choose another training."
    ),
    // Buying
    "card_frozen" => (
        "Program management froze the card's balance (temporarily, e.g. on a fraud indication): it cannot buy until unfrozen. Nothing the platform can do.",
        "Saldo Kartu Prakerja Anda sedang dibekukan sementara oleh Manajemen Pelaksana, sehingga belum dapat digunakan untuk membeli pelatihan. Hubungi Manajemen Pelaksana Kartu Prakerja untuk informasi lebih lanjut.",
        "Your Prakerja card balance has been temporarily frozen by program management, so it cannot be used to buy training for now. Contact Prakerja program management for more information."
    ),
    "card_revoked" => (
        "Program management revoked the card for good (fraud or a breach of the terms); revocation is final and the card can never buy again.",
        "Kepesertaan Kartu Prakerja Anda telah dicabut, sehingga kartu tidak dapat lagi digunakan untuk membeli pelatihan.",
        "Your Prakerja membership has been revoked, so the card can no longer be used to buy training."
    ),
    "purchase_deadline_passed" => (
        "The holder did not buy a first training within 30 days of passing selection; under the program's rules the card can no longer buy.",
        "Batas waktu pembelian pelatihan pertama (30 hari sejak dinyatakan lolos) sudah lewat, sehingga kepesertaan Anda dicabut dan kartu tidak dapat lagi digunakan untuk membeli pelatihan.",
        "The deadline to buy your first training (30 days after you passed selection) has passed, so your membership is revoked and the card can no longer buy training."
    ),
    "training_in_progress" => (
        "The holder has a training that is not finished: finished means completed, certified by the LPK, and rated and reviewed by the holder. `missing` lists what it still needs.",
        "Anda harus menyelesaikan pelatihan sebelumnya terlebih dahulu: pelatihan dinyatakan selesai, sertifikat diterbitkan oleh lembaga pelatihan, dan Anda sudah memberikan ulasan serta rating. Setelah itu Anda dapat membeli pelatihan berikutnya.",
        "You need to finish your current training first: it must be marked complete, its certificate issued by the training institution, and rated and reviewed by you. Then you can buy your next training."
    ),
    "course_not_available" => (
        "No approved course with that code is sold by your platform: it is pending review, rejected, or listed for other platforms only.",
        "Pelatihan ini tidak tersedia untuk dibeli di platform ini. Silakan pilih pelatihan lain yang tersedia.",
        "This training cannot be bought on this platform. Please choose another available training."
    ),
    "schedule_required" => (
        "The course has runs that have not ended yet, so a purchase names one: send the chosen run's `schedule_code`.",
        "Silakan pilih jadwal pelatihan terlebih dahulu.",
        "Please choose a training schedule first."
    ),
    "schedule_not_available" => (
        "`schedule_code` is not one of this course's open runs: it is malformed, belongs to another course, or the run has already ended.",
        "Jadwal yang dipilih sudah tidak tersedia. Silakan pilih jadwal lain.",
        "The schedule you chose is no longer available. Please choose another one."
    ),
    "schedule_full" => (
        "The run has no seat left (its quota is sold out).",
        "Kuota peserta untuk jadwal ini sudah penuh. Silakan pilih jadwal lain.",
        "This schedule is fully booked. Please choose another one."
    ),
    "insufficient_balance" => (
        "The card's remaining training balance is less than the course's price. Balances are never topped up.",
        "Sisa saldo pelatihan Kartu Prakerja Anda tidak cukup untuk membeli pelatihan ini. Saldo tidak dapat ditambah; pilih pelatihan dengan harga yang sesuai dengan sisa saldo Anda.",
        "Your remaining Prakerja training balance does not cover this training. The balance cannot be topped up; choose a training that fits your remaining balance."
    ),
    "sms_delivery_failed" => (
        "Our SMS gateway could not hand the OTP to the carrier. Nothing was sent; ask for a resend (`/otp/resend`) to try again.",
        "Kode OTP belum berhasil dikirim ke nomor HP Anda. Silakan minta kirim ulang kode OTP.",
        "We could not send the OTP to your phone. Please ask for the code to be sent again."
    ),
    "otp_resend_too_soon" => (
        "A resend was asked inside the cooldown; `Retry-After` (and the validation's `resend_available_at`) says when the next is allowed.",
        "Tunggu sebentar sebelum meminta kode OTP baru. Beberapa operator (misalnya Axis atau Tri) kadang terlambat mengirim SMS, jadi periksa juga kotak masuk Anda.",
        "Please wait a moment before asking for a new OTP. Some carriers (such as Axis or Tri) deliver SMS late, so check your inbox too."
    ),
    "otp_resend_limit" => (
        "This validation already had its 3 resends. Start a new card validation for a new code.",
        "Batas kirim ulang kode OTP sudah tercapai. Silakan ulangi verifikasi kartu dari awal untuk mendapatkan kode baru.",
        "You have reached the limit for resending the OTP. Please start the card verification again to get a new code."
    ),
    "otp_incorrect" => (
        "The OTP is wrong; `attempts_remaining` says how many tries are left (the 5th wrong one locks the validation). A resend kills the previous code.",
        "Kode OTP yang Anda masukkan salah. Masukkan kode dari SMS terbaru; kode lama tidak berlaku lagi setelah kirim ulang.",
        "The OTP you entered is wrong. Enter the code from the latest SMS; an earlier code stops working once a new one is sent."
    ),
    "otp_expired" => (
        "The OTP's lifetime passed before it was entered. Ask for a resend and have the holder enter it promptly.",
        "Kode OTP sudah kedaluwarsa. Minta kode baru, lalu segera masukkan setelah SMS diterima.",
        "The OTP has expired. Ask for a new code and enter it as soon as the SMS arrives."
    ),
    "validation_locked" => (
        "Five wrong OTPs locked this validation for good. Start a new card validation.",
        "Kode OTP salah dimasukkan terlalu banyak kali, sehingga verifikasi ini dikunci. Silakan ulangi verifikasi kartu untuk mendapatkan kode baru.",
        "The OTP was entered wrongly too many times, so this verification is locked. Please start the card verification again to get a new code."
    ),
    "validation_not_pending" => (
        "The validation no longer waits for an OTP: it was verified, used, locked or expired meanwhile (a double submit). Read it with GET to see its status.",
        "Verifikasi kartu ini sudah diproses. Lanjutkan ke langkah berikutnya, atau ulangi verifikasi jika diperlukan.",
        "This card verification has already been processed. Continue to the next step, or verify again if needed."
    ),
    "validation_not_verified" => (
        "A voucher was asked for with a validation whose OTP was not verified yet. Verify it first.",
        "Masukkan kode OTP yang dikirim ke nomor HP Anda terlebih dahulu untuk menyelesaikan pembelian.",
        "Enter the OTP sent to your phone first to complete the purchase."
    ),
    "validation_used" => (
        "This validation already bought a voucher. A purchase is final; read the voucher, or validate again for another purchase.",
        "Pembelian dengan verifikasi ini sudah tercatat dan kode voucher sudah diterbitkan. Transaksi yang sudah tercatat tidak dapat dibatalkan; cek kode voucher Anda.",
        "A purchase was already recorded with this verification and its voucher code issued. A recorded purchase cannot be cancelled; check your voucher code."
    ),
    "validation_expired" => (
        "The validation was verified too long ago to buy with. Validate the card again.",
        "Verifikasi kartu Anda sudah kedaluwarsa. Ulangi verifikasi kartu dengan kode OTP baru untuk melanjutkan pembelian.",
        "Your card verification has expired. Verify the card again with a new OTP to continue the purchase."
    ),
    "validation_mismatch" => (
        "`course_code` or `schedule_code` differs from what the card was validated for. Buy what was validated, or validate again for the new choice.",
        "Pelatihan atau jadwal yang dibeli berbeda dengan yang diverifikasi. Ulangi verifikasi kartu untuk pelatihan dan jadwal pilihan Anda.",
        "The training or schedule differs from the one you verified. Verify your card again for the training and schedule you chose."
    ),
    "external_order_id_conflict" => (
        "Your `external_order_id` already bought a different voucher (another validation, card, course or schedule). Use a new order id per purchase; the same purchase repeated returns its first voucher (200).",
        "Terjadi gangguan teknis pada pesanan Anda dan saldo Anda tidak terpotong. Silakan ulangi pembelian.",
        "A technical problem occurred with your order and your balance was not charged. Please place the order again."
    ),
    // Vouchers
    "invalid_voucher_code" => (
        "The voucher code is not 16 letters and digits or its check character is wrong: a typo, refused before any lookup.",
        "Kode voucher tidak valid. Periksa kembali 16 huruf dan angka kode voucher Anda (contoh: 7KQ2-M9XD-4HTR-8WZC).",
        "The voucher code is not valid. Check the 16 letters and digits of your voucher code (for example 7KQ2-M9XD-4HTR-8WZC)."
    ),
    "card_mismatch" => (
        "The card number sent is not the one the voucher was bought with.",
        "Nomor Kartu Prakerja ini bukan kartu yang digunakan untuk membeli voucher tersebut. Gunakan nomor kartu yang sama dengan saat pembelian.",
        "This Prakerja card number is not the card the voucher was bought with. Use the same card number as for the purchase."
    ),
    "voucher_already_redeemed" => (
        "The voucher was already redeemed (by this LPK, perhaps by an earlier retry). Read it to see when.",
        "Kode voucher ini sudah ditukarkan sebelumnya. Jika Anda merasa belum menukarkannya, hubungi lembaga pelatihan terkait.",
        "This voucher code has already been redeemed. If you did not redeem it, contact the training institution."
    ),
    "voucher_voided" => (
        "Program management voided the voucher; it cannot be redeemed or reported on.",
        "Voucher ini telah dibatalkan oleh Manajemen Pelaksana dan tidak dapat digunakan. Hubungi Manajemen Pelaksana Kartu Prakerja untuk informasi lebih lanjut.",
        "This voucher was cancelled by program management and cannot be used. Contact Prakerja program management for more information."
    ),
    "voucher_not_redeemed" => (
        "Attendance or a completion was reported for a voucher not yet redeemed. Redeem it first.",
        "Voucher Anda belum ditukarkan di lembaga pelatihan. Tukarkan kode voucher di lembaga pelatihan terlebih dahulu.",
        "Your voucher has not been redeemed at the training institution yet. Redeem the voucher code there first."
    ),
    "voucher_not_voidable" => (
        "Program management: only an issued voucher that is not redeemed can be voided.",
        "Voucher ini sudah ditukarkan atau sudah dibatalkan, sehingga tidak dapat dibatalkan lagi.",
        "This voucher has already been redeemed or cancelled, so it cannot be cancelled again."
    ),
    "outside_redeem_window" => (
        "A scheduled run's voucher is redeemed from 1 hour before the run starts until it ends; this is outside that window.",
        "Voucher untuk pelatihan terjadwal ini hanya dapat ditukarkan mulai 1 jam sebelum jadwal dimulai hingga jadwal berakhir.",
        "A voucher for this scheduled training can only be redeemed from 1 hour before the session starts until it ends."
    ),
    // After the training
    "voucher_already_completed" => (
        "The completion was already reported with other values; a completion is reported once (the same report again is accepted and changes nothing).",
        "Hasil pelatihan Anda sudah dilaporkan oleh lembaga pelatihan. Jika nilainya tidak sesuai, hubungi lembaga pelatihan terkait.",
        "Your training result has already been reported by the training institution. If the score is wrong, contact the training institution."
    ),
    "voucher_not_completed" => (
        "A certificate, or the holder's rating and review, was sent for a training that is not completed (passed): report the completion first.",
        "Pelatihan Anda belum dinyatakan selesai oleh lembaga pelatihan. Selesaikan pelatihan, lalu tunggu penilaian dari lembaga pelatihan.",
        "Your training has not been marked as completed by the training institution yet. Finish the training, then wait for the institution's assessment."
    ),
    "certificate_already_issued" => (
        "This voucher already has a certificate of this kind (LPK or national); each kind is issued once.",
        "Sertifikat jenis ini sudah diterbitkan untuk pelatihan Anda. Cek dashboard akun Prakerja Anda.",
        "A certificate of this kind has already been issued for your training. Check your Prakerja account dashboard."
    ),
    "certificate_number_taken" => (
        "Your LPK already issued another certificate with this number. Number each certificate uniquely.",
        "Sertifikat Anda sedang diproses oleh lembaga pelatihan. Jika belum muncul di dashboard, hubungi lembaga pelatihan terkait.",
        "Your certificate is being processed by the training institution. If it does not appear on your dashboard, contact the institution."
    ),
    "batch_too_large" => (
        "A completion batch holds at most 1,000 items; none of this one was applied. Split it.",
        "Laporan hasil pelatihan Anda sedang diproses oleh lembaga pelatihan. Silakan cek kembali dashboard Anda besok.",
        "Your training result is being processed by the training institution. Please check your dashboard again tomorrow."
    ),
    "review_already_submitted" => (
        "The holder already rated and reviewed this training; a review is given once.",
        "Anda sudah memberikan ulasan dan rating untuk pelatihan ini. Ulasan hanya dapat diberikan satu kali.",
        "You have already rated and reviewed this training. A review can only be given once."
    ),
    "survey_not_open" => (
        "The evaluation surveys open once the holder's first training is completed.",
        "Survei evaluasi baru dapat diisi setelah pelatihan pertama Anda selesai.",
        "The evaluation surveys open once your first training is completed."
    ),
    "survey_already_submitted" => (
        "This survey was already filled; each of the 3 is filled once (and pays its Rp50,000 once).",
        "Anda sudah mengisi survei ini. Setiap survei hanya diisi satu kali dan insentifnya Rp50.000 per survei.",
        "You have already filled in this survey. Each survey is filled in once, with a Rp50,000 incentive per survey."
    ),
    "otp_already_used" => (
        "The OTP of this sign-in or payout-account confirmation was already used. Start again for a new one.",
        "Kode OTP ini sudah digunakan. Silakan ulangi prosesnya untuk mendapatkan kode baru.",
        "This OTP has already been used. Please start again to get a new code."
    ),
    "unknown_bank_code" => (
        "`bank_code` is not a supported bank's three-digit code (e.g. `014` BCA, `002` BRI, `009` BNI, `008` Mandiri, `451` BSI).",
        "Bank yang dipilih belum didukung. Pilih bank lain yang tersedia, atau sambungkan e-wallet (GoPay, OVO, atau LinkAja).",
        "The bank you chose is not supported. Choose another listed bank, or link an e-wallet (GoPay, OVO or LinkAja)."
    ),
    "disbursement_not_in_flight" => (
        "Program management: a bank's result is recorded only for a payment that is pending or being checked; this one is already paid or failed.",
        "Status pencairan insentif Anda sudah diperbarui. Cek status terbaru di dashboard akun Prakerja Anda.",
        "The status of your incentive payment has already been updated. Check the latest status on your Prakerja account dashboard."
    ),
    "ewallet_phone_mismatch" => (
        "An e-wallet must be registered to the phone number of the card; this number is another.",
        "Nomor e-wallet harus sama dengan nomor HP yang terdaftar di akun Kartu Prakerja Anda. Gunakan e-wallet yang terdaftar dengan nomor tersebut.",
        "The e-wallet number must be the phone number registered with your Prakerja account. Use an e-wallet registered to that number."
    ),
}
