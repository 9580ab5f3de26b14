/// Names for the demo workspace: realistic, invented, deterministic.
enum DemoNames {
    /// (Japanese, romanized) family names.
    static let family: [(String, String)] = [
        ("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"), ("田中", "tanaka"), ("伊藤", "ito"), ("渡辺", "watanabe"), ("山本", "yamamoto"),
        ("中村", "nakamura"), ("小林", "kobayashi"), ("加藤", "kato"), ("吉田", "yoshida"), ("山田", "yamada"), ("佐々木", "sasaki"), ("山口", "yamaguchi"),
        ("松本", "matsumoto"), ("井上", "inoue"), ("木村", "kimura"), ("林", "hayashi"), ("斎藤", "saito"), ("清水", "shimizu"), ("山崎", "yamazaki"),
        ("森", "mori"), ("池田", "ikeda"), ("橋本", "hashimoto"), ("阿部", "abe"), ("石川", "ishikawa"), ("前田", "maeda"), ("藤田", "fujita"),
        ("小川", "ogawa"), ("岡田", "okada"), ("後藤", "goto"), ("長谷川", "hasegawa"), ("村上", "murakami"), ("近藤", "kondo"), ("石井", "ishii"),
        ("坂本", "sakamoto"), ("遠藤", "endo"), ("青木", "aoki"), ("藤井", "fujii"), ("西村", "nishimura"),
    ]
    static let given: [(String, String)] = [
        ("太郎", "taro"), ("花子", "hanako"), ("翔", "sho"), ("陽菜", "hina"), ("大輔", "daisuke"), ("美咲", "misaki"), ("健太", "kenta"), ("葵", "aoi"),
        ("拓也", "takuya"), ("結衣", "yui"), ("直樹", "naoki"), ("さくら", "sakura"), ("誠", "makoto"), ("真由美", "mayumi"), ("隆", "takashi"),
        ("愛", "ai"), ("浩二", "koji"), ("恵", "megumi"), ("亮", "ryo"), ("彩", "aya"), ("修", "osamu"), ("由美", "yumi"), ("悠斗", "yuto"),
        ("七海", "nanami"), ("和也", "kazuya"), ("舞", "mai"), ("聡", "satoshi"), ("智子", "tomoko"), ("俊介", "shunsuke"), ("優子", "yuko"),
    ]
    /// (Japanese name, code, description)
    static let departments: [(String, String, String)] = [
        ("経営企画部", "PLN", "経営計画と全社方針の策定"), ("総務部", "GA", "庶務、施設、入退室管理"), ("人事部", "HR", "採用、労務、教育"),
        ("経理部", "FIN", "会計、支払、予算管理"), ("法務部", "LGL", "契約審査と法令対応"), ("情報システム部", "IT", "社内システムとネットワークの運用"),
        ("営業部", "SLS", "法人向け営業"), ("マーケティング部", "MKT", "広報、Web、販促"), ("開発部", "DEV", "自社サービスの開発"),
        ("カスタマーサポート部", "CS", "問い合わせ対応"), ("品質保証部", "QA", "品質管理と監査対応"), ("購買部", "PUR", "調達と委託先管理"),
    ]
}

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same workspace.
struct DemoRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
